import BGPWire
import Glibc

/// Why a run stopped.
enum BlasterError: Error, CustomStringConvertible {
    case system(String, Int32)
    case protocolError(String)
    case notification(NotificationMessage)
    case usage(String)

    var description: String {
        switch self {
        case .system(let call, let code): "\(call): \(String(cString: strerror(code)))"
        case .protocolError(let reason): reason
        case .notification(let notification): "NOTIFICATION from the peer: \(notification)"
        case .usage(let reason): reason
        }
    }
}
