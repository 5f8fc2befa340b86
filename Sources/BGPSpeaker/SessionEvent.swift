import BGPWire

/// The inputs of the session FSM: the RFC 4271 §8.1 events this implementation uses, each named
/// after its RFC event. OPEN validation is done by the FSM itself (`bgpOpen` may therefore lead to
/// the Event 22 behaviour), so the event carries the message.
public enum SessionEvent: Hashable, Sendable {
    /// Event 1 (ManualStart) / Event 4 with `passive` (ManualStart_with_PassiveTcpEstablishment).
    case manualStart(passive: Bool)
    /// Event 2 (ManualStop): the Cease NOTIFICATION sent (RFC 4486: Administrative Shutdown, Peer
    /// De-configured, ...) and its RFC 8203 shutdown communication.
    case manualStop(CeaseSubcode, communication: String?)
    /// Event 3 / 5 (AutomaticStart[_with_PassiveTcpEstablishment]): a restart after an error, or a
    /// connection accepted while idle.
    case automaticStart(passive: Bool)
    /// Event 9.
    case connectRetryTimerExpires
    /// Event 10.
    case holdTimerExpires
    /// Event 11.
    case keepaliveTimerExpires
    /// Event 13 (IdleHoldTimer_Expires): the reconnect backoff is over.
    case idleHoldTimerExpires
    /// Event 16 (Tcp_CR_Acked): our outgoing connection is up.
    case tcpConnectionAcknowledged
    /// Event 17 (TcpConnectionConfirmed): an incoming connection from the peer was accepted.
    case tcpConnectionConfirmed
    /// Event 18 (TcpConnectionFails), with what happened.
    case tcpConnectionFails(reason: String)
    /// Event 19 (BGPOpen) — or Event 22 behaviour when the OPEN is not acceptable.
    case bgpOpen(OpenMessage)
    /// Event 21 / 22 / 28 (BGPHeaderErr, BGPOpenMsgErr, UpdateMsgErr): a received message failed to
    /// decode; the error carries the NOTIFICATION to send.
    case messageError(MessageDecodingError)
    /// Event 23 (OpenCollisionDump): this connection lost a collision (RFC 4271 §6.8).
    case openCollisionDump
    /// Event 24 / 25 (NotifMsgVerErr, NotifMsg).
    case notificationReceived(NotificationMessage)
    /// Event 26 (KeepAliveMsg).
    case keepaliveReceived
    /// Event 27 (UpdateMsg).
    case updateReceived(UpdateMessage)
    /// A ROUTE-REFRESH (RFC 2918 §4; in RFC 4271 terms an UPDATE-like message in Established).
    case routeRefreshReceived(RouteRefreshMessage)
}
