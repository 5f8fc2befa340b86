import BGPWire
import NetAddress

/// What the two OPEN messages agreed on (RFC 4271 §4.2, RFC 5492, RFC 4760 §8, RFC 6793, RFC 8654,
/// RFC 2918, RFC 7313, RFC 4724).
public struct NegotiatedSession: Hashable, Sendable {
    public var peerAS: UInt32
    public var peerRouterID: IPv4Address
    /// min(ours, theirs); 0 means no keepalives and no hold timer (RFC 4271 §4.2).
    public var holdTime: UInt16
    /// Families both sides announced (IPv4 unicast is implied by an OPEN without any MP capability).
    public var families: Set<AddressFamily>
    /// iBGP: the peer is in our AS.
    public var isInternal: Bool
    /// How to decode and encode messages on this session.
    public var context: CodecContext
    /// The peer accepts ROUTE-REFRESH (RFC 2918).
    public var peerSupportsRouteRefresh: Bool
    /// The peer's graceful restart capability (RFC 4724), if it sent one.
    public var peerGracefulRestart: GracefulRestartCapability?
    /// Everything the peer announced, for the looking glass.
    public var peerCapabilities: [Capability]

    /// One third of the hold time (RFC 4271 §10), nil when keepalives are off.
    public var keepaliveInterval: Double? { holdTime == 0 ? nil : Double(holdTime) / 3 }
}

/// The per-session settings the FSM needs.
public struct SessionParameters: Hashable, Sendable {
    public var localAS: UInt32
    public var routerID: IPv4Address
    public var peerAS: UInt32
    /// Proposed hold time: 0, or at least 3 seconds.
    public var holdTime: UInt16
    public var families: Set<AddressFamily>
    /// Never initiate connections; wait for the peer's.
    public var passive: Bool
    public var legacyShiftedVNI: Bool
    /// The large hold timer while waiting for the peer's OPEN (RFC 4271 §8.2.2 suggests 4 minutes).
    public var openHoldTime: Double
    /// How long an outgoing connection attempt may take (the ConnectRetryTimer in Connect).
    public var connectRetryTime: Double
    public var backoff: ReconnectBackoff
    /// See `SpeakerConfiguration.gracefulRestart`.
    public var gracefulRestart: LocalGracefulRestart?

    public init(localAS: UInt32, routerID: IPv4Address, peerAS: UInt32, holdTime: UInt16 = 180,
                families: Set<AddressFamily>, passive: Bool = false, legacyShiftedVNI: Bool = false,
                openHoldTime: Double = 240, connectRetryTime: Double = 30, backoff: ReconnectBackoff = ReconnectBackoff(),
                gracefulRestart: LocalGracefulRestart? = nil) {
        self.localAS = localAS
        self.routerID = routerID
        self.peerAS = peerAS
        self.holdTime = holdTime
        self.families = families
        self.passive = passive
        self.legacyShiftedVNI = legacyShiftedVNI
        self.openHoldTime = openHoldTime
        self.connectRetryTime = connectRetryTime
        self.backoff = backoff
        self.gracefulRestart = gracefulRestart
    }
}
