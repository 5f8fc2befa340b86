#if canImport(Glibc)
import Glibc
#endif

/// A failed system call on a socket: which call, and `errno`. `ETIMEDOUT` is also used for a
/// connect timeout and `ECANCELED` for a connect attempt closed by its owner.
public struct SocketError: Error, Hashable, Sendable, CustomStringConvertible {
    public let operation: String
    public let code: Int32

    public init(_ operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    public var description: String { "\(operation): \(String(cString: strerror(code)))" }

    public static func timedOut(_ operation: String) -> SocketError { SocketError(operation, code: ETIMEDOUT) }
    public static func cancelled(_ operation: String) -> SocketError { SocketError(operation, code: ECANCELED) }
}
