import BGPWire
import NetAddress

/// A session that reached Established (RFC 4271 §8.2.2), as told to the RIB.
public struct EstablishedSession: Hashable, Sendable {
    public var peer: IPAddress
    /// Our address on this session (the next hop of routes sent to an eBGP peer when none is set).
    public var localAddress: IPAddress
    public var negotiated: NegotiatedSession

    public var peerAS: UInt32 { negotiated.peerAS }
    public var peerRouterID: IPv4Address { negotiated.peerRouterID }
    public var families: Set<AddressFamily> { negotiated.families }
    public var isInternal: Bool { negotiated.isInternal }
    public var context: CodecContext { negotiated.context }
}

/// What the speaker tells the layer above (the RIB). Every call is made on the speaker's loop.
public protocol BGPSpeakerDelegate: AnyObject {
    func sessionEstablished(_ session: EstablishedSession)
    /// `session` left Established for `reason`: the routes learned on it are gone, unless graceful
    /// restart keeps some as stale (`NegotiatedSession.familiesRetained(after:)`, RFC 4724 §4.2).
    func sessionDown(_ session: EstablishedSession, reason: SessionDownReason)
    /// An UPDATE from an established peer. When `update.treatAsWithdraw` is set, every NLRI it
    /// carries must be handled as withdrawn (RFC 7606 §2).
    func received(_ update: UpdateMessage, from peer: IPAddress)
    /// The peer asked for our routes of `family` again (RFC 2918).
    func receivedRouteRefresh(_ family: AddressFamily, from peer: IPAddress)
    /// Beginning (true) or end of a route refresh from the peer (RFC 7313 §4: BoRR / EoRR).
    func receivedRouteRefreshDemarcation(_ family: AddressFamily, beginning: Bool, from peer: IPAddress)
    /// The write queue to `peer` fell below its low-water mark after backpressure (see
    /// `BGPSpeaker.pendingOutputBytes(to:)`): the moment to send more of a bulk transfer.
    func readyForMoreUpdates(to peer: IPAddress)
}

extension BGPSpeakerDelegate {
    public func receivedRouteRefreshDemarcation(_ family: AddressFamily, beginning: Bool, from peer: IPAddress) {}
    public func readyForMoreUpdates(to peer: IPAddress) {}
}
