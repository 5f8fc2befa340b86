#if canImport(Glibc)
import Glibc
#endif
import CSupport

/// A network namespace in which an `EventLoop` creates its sockets. `setns` changes only the calling
/// thread, so the thread enters the namespace for the `socket()` call and returns at once; the socket
/// stays in the namespace it was created in.
public final class NetworkNamespace: @unchecked Sendable {
    public let path: String
    private let fd: Int32

    /// `nameOrPath` is an `ip netns` name (looked up in /run/netns) or an absolute path.
    public init(nameOrPath: String) throws {
        path = nameOrPath.hasPrefix("/") ? nameOrPath : "/run/netns/\(nameOrPath)"
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SocketError("open(\(path))") }
    }

    deinit { Glibc.close(fd) }

    /// Creates a socket inside this namespace.
    func makeSocket(family: Int32, type: Int32) throws -> Int32 {
        let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard original >= 0 else { throw SocketError("open(/proc/thread-self/ns/net)") }
        defer { Glibc.close(original) }
        guard csupport_setns_net(fd) == 0 else { throw SocketError("setns(\(path))") }
        let socketFD = socket(family, type, 0)
        let socketErrno = errno
        guard csupport_setns_net(original) == 0 else {
            fatalError("cannot return a thread to its network namespace: \(SocketError("setns"))")
        }
        guard socketFD >= 0 else { throw SocketError("socket", code: socketErrno) }
        return socketFD
    }
}

extension EventLoop {
    /// A non-blocking, close-on-exec TCP socket, in the loop's network namespace if it has one.
    func makeTCPSocket(family: Int32) throws -> Int32 {
        let type = Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
        if let networkNamespace { return try networkNamespace.makeSocket(family: family, type: type) }
        let fd = socket(family, type, 0)
        guard fd >= 0 else { throw SocketError("socket") }
        return fd
    }
}
