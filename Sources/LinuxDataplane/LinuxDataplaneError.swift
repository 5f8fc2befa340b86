import Glibc

/// Why a kernel operation failed, in words a person can act on.
public enum LinuxDataplaneError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The named interface does not exist (in the driver's network namespace).
    case noSuchInterface(String)
    /// The kernel (or libnl) refused an operation; `code` is the positive errno or libnl code.
    case kernelRefused(operation: String, code: Int32, message: String)
    /// A system call outside netlink failed (netns files, sockets).
    case system(operation: String, errno: Int32)
    /// The request makes no sense for the current state (e.g. an unknown instance).
    case invalid(String)

    public var description: String {
        switch self {
        case .noSuchInterface(let name): "no such interface: \(name)"
        case .kernelRefused(let operation, let code, let message): "\(operation): kernel refused: \(message) (\(code))"
        case .system(let operation, let errno): "\(operation): \(String(cString: strerror(errno))) (errno \(errno))"
        case .invalid(let reason): reason
        }
    }
}
