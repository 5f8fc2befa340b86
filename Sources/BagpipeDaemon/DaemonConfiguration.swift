import NetAddress

/// The daemon's configuration, read from BaGPipe's INI format (both the 2016 standalone and the
/// networking-bagpipe variants; docs/configuration.md lists every key, `etc/bagpipe-bgp/bgp.conf`
/// shows them with comments).
public struct DaemonConfiguration: Sendable, Equatable {
    /// One configured BGP neighbour.
    public struct Peer: Sendable, Equatable {
        public var address: IPAddress
        public var peerAS: UInt32
        public var port: UInt16
        public var holdTime: UInt16
        public var md5Key: String?
        /// GTSM (RFC 5082): accept only packets from at most this many hops away.
        public var ttlSecurityHops: Int?
        /// Wait for the peer to connect instead of connecting to it.
        public var passive: Bool
        /// When we act as route reflector: reflect this peer's routes to others (RFC 4456).
        public var routeReflectorClient: Bool
    }

    public enum DataplaneDriverKind: String, Sendable, Equatable {
        case linux, dummy
    }

    // [BGP]
    public var localAddress: IPv4Address
    public var myAS: UInt32
    public var peers: [Peer]
    public var enableRTC: Bool
    public var bgpPort: UInt16
    /// Where to accept incoming sessions from configured peers; nil disables listening.
    public var listenAddress: IPAddress?
    public var listenPort: UInt16
    public var routerID: IPv4Address
    /// Set when this node reflects routes between its clients (RFC 4456).
    public var routeReflectorClusterID: IPv4Address?
    /// `graceful_restart = True`: the restart time peers keep our routes for while we restart
    /// (RFC 4724; `graceful_restart_time`, default 120 s). SIGTERM then leaves the routes in place.
    public var gracefulRestartTime: UInt16?
    /// Duplicate MAC detection (RFC 7432 §15.1): a local MAC that moves more than
    /// `duplicateMACMaxMoves` times in `duplicateMACTime` seconds is frozen (FRR's defaults, 5 in
    /// 180 s); 0 moves turns it off.
    public var duplicateMACMaxMoves: Int
    public var duplicateMACTime: Int

    // [API]
    public var apiHost: String
    public var apiPort: UInt16

    // [DATAPLANE_DRIVER_EVPN]
    public var dataplaneDriver: DataplaneDriverKind
    public var dataplaneLocalAddress: IPv4Address
    public var vxlanDestinationPort: UInt16
    public var vxlanMTU: Int?
    /// Write VNIs as 2016 BaGPipe did (`VNI << 4 | 1`) instead of RFC 8365's raw 24-bit VNI.
    public var legacyShiftedVNI: Bool
    /// On shutdown, remove the kernel devices of our instances (default: leave them so a restart
    /// keeps traffic flowing; `bagpipe-bgp-cleanup` removes them).
    public var cleanupDataplaneOnShutdown: Bool
    /// Advertise the MACs the bridge learns on plugged ports (MAC-only type-2 routes) besides the
    /// attached endpoints. Off by default: BaGPipe advertises exactly what was attached.
    public var advertiseLearnedMACs: Bool
    /// With `advertiseLearnedMACs`: at most this many learned MACs per port, and at most
    /// `learnedMACsPerSecond` new ones per port and second; the rest are ignored (and counted).
    public var learnedMACsPerPort: Int
    public var learnedMACsPerSecond: Int

    // [COMMON]
    /// Where accepted attachments are kept so that a restart restores them; nil disables it.
    public var stateFile: String?
    /// Seconds, from the first attach or detach after start, during which clients re-post the
    /// attachments restored from the state file; those not re-posted are then detached
    /// (`ClientResync`). nil (`resync_window = 0`): restored attachments stay until detached.
    public var resyncWindow: Double?

    /// Things that did not stop the daemon but deserve a log line (legacy keys, unknown keys).
    public var warnings: [String]
}
