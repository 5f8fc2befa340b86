import BGPWire

/// The receiving speaker's side of graceful restart (RFC 4724 §4.2): which of a peer's routes may
/// outlive its session, and which may survive into the next one.
extension NegotiatedSession {
    /// The families whose routes are kept, marked stale, after this session ended for `reason`: those
    /// negotiated and listed in the peer's graceful restart capability, when the session died without
    /// a NOTIFICATION (connection lost) or on hold timer expiry (our choice: the peer's control
    /// plane may have stopped while its forwarding goes on; RFC 8538 makes it the rule with the N bit). None when the peer announced no
    /// graceful restart or a restart time of 0. NOTIFICATIONs end the routes as before: we do not
    /// announce the RFC 8538 "N" bit, so its procedures do not apply to our sessions.
    public func familiesRetained(after reason: SessionDownReason) -> Set<AddressFamily> {
        guard let capability = peerGracefulRestart, capability.restartTime > 0 else { return [] }
        switch reason {
        case .connectionLost, .holdTimerExpired:
            return families.intersection(capability.families.map(\.family))
        case .notificationSent, .notificationReceived:
            return []
        }
    }

    /// The families for which the peer's OPEN says its forwarding state was preserved across its
    /// restart (F bit set): stale routes of other families are deleted at once (RFC 4724 §4.2).
    public var familiesWithPreservedForwardingState: Set<AddressFamily> {
        guard let capability = peerGracefulRestart else { return [] }
        return families.intersection(capability.families.filter(\.forwardingStatePreserved).map(\.family))
    }

    /// How long the peer asked us to keep its routes while it restarts (RFC 4724 §3), in seconds.
    public var peerRestartTime: Double { Double(peerGracefulRestart?.restartTime ?? 0) }
}
