/// The states of the BGP finite state machine (RFC 4271 §8.2.2).
public enum SessionState: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case idle = "Idle"
    case connect = "Connect"
    case active = "Active"
    case openSent = "OpenSent"
    case openConfirm = "OpenConfirm"
    case established = "Established"

    public var description: String { rawValue }
}
