import CSupport
import Foundation

/// Named network namespaces as `ip netns` keeps them: a bind mount under `/var/run/netns`.
public enum NetworkNamespace {
    public static let directory = "/var/run/netns"

    /// The file that holds the namespace `name`.
    public static func path(of name: String) -> String { "\(directory)/\(name)" }

    /// Creates the namespace `name` if it does not exist yet (as `ip netns add`, without shelling out).
    public static func create(_ name: String) throws {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw LinuxDataplaneError.invalid("invalid network namespace name: \(name)")
        }
        let result = csupport_netns_create(directory, path(of: name))
        guard result == 0 else { throw LinuxDataplaneError.system(operation: "create netns \(name)", errno: -result) }
    }

    /// Runs `body` on a dedicated thread that first enters the namespace at `path` (nil: run here,
    /// in the caller's namespace). Netlink sockets made by `body` stay bound to that namespace for
    /// their whole life, so this is how a driver or helper acts on another namespace. The thread
    /// ends afterwards, so no other code ever runs in the switched namespace.
    static func perform<T>(in path: String?, _ body: () throws -> T) throws -> T {
        guard let path else { return try body() }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LinuxDataplaneError.system(operation: "open \(path)", errno: errno) }
        defer { close(fd) }
        return try withoutActuallyEscaping(body) { body in
            let job = ThreadJob(fd: fd, body: body)
            let thread = Thread { job.run() }
            thread.start()
            job.done.wait()
            return try job.result!.get()
        }
    }
}

/// The hand-over between `perform` and its thread; the semaphore orders every access.
private final class ThreadJob<T>: @unchecked Sendable {
    let fd: Int32
    /// Dropped before `done` is signalled: the caller's closure must not outlive `perform`.
    var body: (() throws -> T)?
    let done = DispatchSemaphore(value: 0)
    var result: Result<T, Error>?

    init(fd: Int32, body: @escaping () throws -> T) {
        self.fd = fd
        self.body = body
    }

    func run() {
        if csupport_setns_net(fd) != 0 {
            result = .failure(LinuxDataplaneError.system(operation: "setns", errno: errno))
        } else {
            result = Result(catching: body!)
        }
        body = nil
        done.signal()
    }
}
