import BGPWire

/// Why an established session ended. Graceful restart (RFC 4724 §4.2) keeps a peer's routes only
/// when the session died without a NOTIFICATION, so the cause is kept apart from its text.
public enum SessionDownReason: Hashable, Sendable, CustomStringConvertible {
    /// The TCP connection failed or was closed by the peer without a NOTIFICATION.
    case connectionLost(String)
    /// No message from the peer within the hold time; we sent Hold Timer Expired (RFC 4271 §6.5).
    case holdTimerExpired
    /// We sent `notification` (a message error, an FSM error, a collision, or a stop with Cease).
    case notificationSent(NotificationMessage, reason: String)
    /// The peer sent `notification`.
    case notificationReceived(NotificationMessage)

    public var description: String {
        switch self {
        case .connectionLost(let reason): reason
        case .holdTimerExpired: "hold timer expired; sent NOTIFICATION \(Self.holdTimerExpiredNotification)"
        case .notificationSent(let notification, let reason): "\(reason); sent NOTIFICATION \(notification)"
        case .notificationReceived(let notification): "received NOTIFICATION \(notification)"
        }
    }

    /// Hold Timer Expired (RFC 4271 §6.5).
    static let holdTimerExpiredNotification = NotificationMessage(code: 4, subcode: 0)
}
