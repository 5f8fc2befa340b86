import BGPWire

/// The timers of one session (RFC 4271 §8.1.1, §10); IdleHold paces automatic restarts.
public enum SessionTimer: String, Hashable, Sendable, CaseIterable {
    case connectRetry, hold, keepalive, idleHold
}

/// What the FSM asks its shell (the socket and timer code) to do, in order.
public enum SessionAction: Hashable, Sendable {
    /// Initiate a TCP connection to the peer.
    case connect
    /// Close the TCP connection (after sending anything queued before this action).
    case closeConnection
    case send(BGPMessage)
    /// (Re)start a timer; a running timer of the same kind is replaced.
    case startTimer(SessionTimer, seconds: Double)
    case stopTimer(SessionTimer)
    /// The session reached Established with these negotiated parameters.
    case established(NegotiatedSession)
    case deliverUpdate(UpdateMessage)
    case deliverRouteRefresh(RouteRefreshMessage)
    /// The session left Established, for `reason`.
    case sessionDown(reason: SessionDownReason)
}
