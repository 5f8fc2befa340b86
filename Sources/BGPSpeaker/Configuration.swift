import BGPWire
import NetAddress

/// One configured BGP neighbour.
public struct PeerConfiguration: Hashable, Sendable {
    public var address: IPAddress
    public var port: UInt16
    /// Source address of outgoing connections (BaGPipe's `local_address`); nil lets the kernel choose.
    public var localAddress: IPAddress?
    public var peerAS: UInt32
    /// Proposed hold time in seconds: 0 (no keepalives) or at least 3.
    public var holdTime: UInt16
    /// TCP MD5 signature key (RFC 2385), at most 80 bytes.
    public var md5Key: String?
    /// GTSM (RFC 5082): the peer is at most this many hops away; packets must arrive with TTL ≥ 256 − hops.
    public var ttlSecurityHops: Int?
    /// Only accept the peer's connections; never connect.
    public var passive: Bool
    /// Families to announce; a family is used only if the peer announces it too.
    public var families: Set<AddressFamily>

    public init(address: IPAddress, port: UInt16 = 179, localAddress: IPAddress? = nil, peerAS: UInt32,
                holdTime: UInt16 = 180, md5Key: String? = nil, ttlSecurityHops: Int? = nil, passive: Bool = false,
                families: Set<AddressFamily> = [.l2vpnEVPN]) {
        self.address = address
        self.port = port
        self.localAddress = localAddress
        self.peerAS = peerAS
        self.holdTime = holdTime
        self.md5Key = md5Key
        self.ttlSecurityHops = ttlSecurityHops
        self.passive = passive
        self.families = families
    }

    /// The minimum TTL that GTSM requires of the peer's packets (RFC 5082 §3), nil without GTSM.
    var minimumTTL: UInt8? { ttlSecurityHops.map { UInt8(clamping: 256 - min(max($0, 1), 255)) } }
}

/// Settings shared by every session of a speaker.
public struct SpeakerConfiguration: Hashable, Sendable {
    public var localAS: UInt32
    public var routerID: IPv4Address
    /// Address to listen on; nil listens on every address (IPv6 and IPv4).
    public var listenAddress: IPAddress?
    /// Port to listen on (179 in production; 0 picks a free one); nil does not listen.
    public var listenPort: UInt16?
    /// Encode and decode EVPN labels as 2016 BaGPipe did (`VNI << 4 | 1`).
    public var legacyShiftedVNI: Bool
    /// Reconnect pacing after a failure.
    public var backoff: ReconnectBackoff
    /// How long an outgoing connection attempt may take before it is retried.
    public var connectRetryTime: Double
    /// The hold timer while waiting for the peer's OPEN (RFC 4271 §8.2.2: 4 minutes suggested).
    public var openHoldTime: Double
    /// Set when our forwarding state can survive a restart of the process (RFC 4724 §3): the
    /// graceful restart capability then lists every family, and peers keep our routes while we
    /// restart. nil: we only help restarting peers.
    public var gracefulRestart: LocalGracefulRestart?

    public init(localAS: UInt32, routerID: IPv4Address, listenAddress: IPAddress? = nil, listenPort: UInt16? = 179,
                legacyShiftedVNI: Bool = false, backoff: ReconnectBackoff = ReconnectBackoff(),
                connectRetryTime: Double = 30, openHoldTime: Double = 240, gracefulRestart: LocalGracefulRestart? = nil) {
        self.localAS = localAS
        self.routerID = routerID
        self.listenAddress = listenAddress
        self.listenPort = listenPort
        self.legacyShiftedVNI = legacyShiftedVNI
        self.backoff = backoff
        self.connectRetryTime = connectRetryTime
        self.openHoldTime = openHoldTime
        self.gracefulRestart = gracefulRestart
    }

    func sessionParameters(for peer: PeerConfiguration) -> SessionParameters {
        SessionParameters(localAS: localAS, routerID: routerID, peerAS: peer.peerAS, holdTime: peer.holdTime,
                          families: peer.families, passive: peer.passive, legacyShiftedVNI: legacyShiftedVNI,
                          openHoldTime: openHoldTime, connectRetryTime: connectRetryTime, backoff: backoff,
                          gracefulRestart: gracefulRestart)
    }
}

/// Our side of graceful restart (RFC 4724 §3), for a speaker whose forwarding can outlive it.
public struct LocalGracefulRestart: Hashable, Sendable {
    /// How long peers keep our routes while we restart (at most 4095 s).
    public var restartTime: UInt16
    /// The F bit: the forwarding state this process started with survived the previous one.
    public var forwardingStatePreserved: Bool

    public init(restartTime: UInt16, forwardingStatePreserved: Bool) {
        self.restartTime = restartTime
        self.forwardingStatePreserved = forwardingStatePreserved
    }
}
