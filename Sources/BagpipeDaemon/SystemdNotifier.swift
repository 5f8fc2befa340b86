#if canImport(Glibc)
import Glibc
#endif

/// sd_notify(3) without libsystemd: datagrams to `$NOTIFY_SOCKET` (path or `@abstract`).
/// Every call is a no-op when the daemon does not run under systemd with `Type=notify`.
public struct SystemdNotifier: Sendable {
    private let socketPath: [UInt8]?
    /// Half the watchdog interval systemd asked for (`WATCHDOG_USEC`), when it asked.
    public let watchdogInterval: Double?

    public init(environment: [String: String]) {
        if let path = environment["NOTIFY_SOCKET"], let first = path.utf8.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "@") {
            var bytes = Array(path.utf8)
            if first == UInt8(ascii: "@") { bytes[0] = 0 }
            socketPath = bytes
        } else {
            socketPath = nil
        }
        let pidMatches = environment["WATCHDOG_PID"].map { $0 == String(getpid()) } ?? true
        if pidMatches, let usec = environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0 {
            watchdogInterval = Double(usec) / 2_000_000
        } else {
            watchdogInterval = nil
        }
    }

    public var isEnabled: Bool { socketPath != nil }

    /// Sends `state` (e.g. `READY=1\nSTATUS=…`); returns false when not under systemd or on error.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard let path = socketPath else { return false }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + path.count + (path[0] == 0 ? 0 : 1))
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), socketAddress, length) }
            }
        }
        return sent == message.count
    }
}
