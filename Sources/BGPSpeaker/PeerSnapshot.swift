import BGPWire
import NetAddress

/// A peer as shown by the looking glass.
public struct PeerSnapshot: Hashable, Sendable {
    public var address: IPAddress
    public var peerAS: UInt32
    public var state: SessionState
    public var previousState: SessionState
    /// Seconds since the session reached Established; nil when it is not established.
    public var uptime: Double?
    public var peerRouterID: IPv4Address?
    public var negotiatedHoldTime: UInt16?
    public var families: [AddressFamily]
    public var isInternal: Bool
    public var localAddress: IPAddress?
    public var localPort: UInt16?
    public var remotePort: UInt16?
    public var messagesSent: MessageCounters
    public var messagesReceived: MessageCounters
    /// Why the session last went down (a NOTIFICATION in words, a timer, a socket error).
    public var lastError: String?
    /// Times the session reached Established.
    public var establishedTransitions: Int
}
