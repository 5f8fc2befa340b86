/// A message that cannot be accepted: the session must be reset by sending `notification`
/// (RFC 4271 §6, RFC 7606 §2 "session reset"). Softer RFC 7606 outcomes (treat-as-withdraw,
/// attribute discard) do not throw; they are reported on the decoded `UpdateMessage`.
public struct MessageDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The NOTIFICATION to send before closing the connection.
    public var notification: NotificationMessage
    /// What was wrong, for people and logs.
    public var reason: String

    public init(notification: NotificationMessage, reason: String) {
        self.notification = notification
        self.reason = reason
    }

    public var description: String { "\(reason) (session reset: \(notification))" }
}

extension MessageDecodingError {
    /// Message Header Error / Connection Not Synchronized (RFC 4271 §6.1).
    static func markerNotSynchronized() -> MessageDecodingError {
        MessageDecodingError(notification: NotificationMessage(code: 1, subcode: 1), reason: "marker is not all ones")
    }

    /// Message Header Error / Bad Message Length; the data is the erroneous length field (RFC 4271 §6.1).
    static func badMessageLength(_ length: Int, _ reason: String) -> MessageDecodingError {
        let field = UInt16(clamping: length)
        return MessageDecodingError(notification: NotificationMessage(code: 1, subcode: 2, data: [UInt8(field >> 8), UInt8(field & 0xFF)]),
                                    reason: "bad message length \(length): \(reason)")
    }

    /// Message Header Error / Bad Message Type; the data is the type octet (RFC 4271 §6.1).
    static func badMessageType(_ type: UInt8) -> MessageDecodingError {
        MessageDecodingError(notification: NotificationMessage(code: 1, subcode: 3, data: [type]), reason: "unknown message type \(type)")
    }

    /// OPEN Message Error with `subcode` (RFC 4271 §6.2).
    static func open(_ subcode: UInt8, data: [UInt8] = [], _ reason: String) -> MessageDecodingError {
        MessageDecodingError(notification: NotificationMessage(code: 2, subcode: subcode, data: data), reason: "OPEN: \(reason)")
    }

    /// UPDATE Message Error with `subcode` (RFC 4271 §6.3).
    static func update(_ subcode: UInt8, data: [UInt8] = [], _ reason: String) -> MessageDecodingError {
        MessageDecodingError(notification: NotificationMessage(code: 3, subcode: subcode, data: data), reason: "UPDATE: \(reason)")
    }
}
