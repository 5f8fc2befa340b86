import Dispatch
import EventLoop
import NetAddress
#if canImport(Glibc)
import Glibc
#endif

/// Mutable test state confined to an event loop.
final class LoopState<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

extension EventLoop {
    /// Runs `body` on the loop and returns its result.
    @discardableResult
    func run<T>(_ body: @escaping () throws -> T) async throws -> T {
        let box = UncheckedBox(body)
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try box.value() }.map { UncheckedBox($0) })
            }
        }.value
    }

    /// Polls `condition` on the loop every 1–10 ms until it holds, for at most `timeout` seconds.
    func waitUntil(_ what: String, timeout: Double = 10, _ condition: @escaping () -> Bool) async throws {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        var interval: UInt64 = 1_000_000
        while try await !run(condition) {
            guard DispatchTime.now().uptimeNanoseconds < deadline else { throw TimedOut(what: what) }
            try await Task.sleep(nanoseconds: interval)
            interval = min(interval * 2, 10_000_000)
        }
    }
}

struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Connected TCP sockets of this network namespace that still have a descriptor (an inode; orphaned
/// and TIME_WAIT sockets have none), whose local port — or, unless `localOnly`, remote port — is
/// `port`. Listening sockets are not counted. Exact where a process-wide descriptor count is not:
/// tests run in parallel.
func tcpSocketsWithDescriptor(port: UInt16, localOnly: Bool = false) -> Int {
    var count = 0
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        guard let file = fopen(table, "r") else { continue }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0 {
            let fields = String(cString: line!).split(separator: " ")
            guard fields.count > 9, fields[0] != "sl" else { continue }
            let portOf = { (field: Substring) in field.split(separator: ":").last.flatMap { UInt16($0, radix: 16) } }
            let matches = portOf(fields[1]) == port || (!localOnly && portOf(fields[2]) == port)
            if matches && fields[3] != "0A" && fields[9] != "0" { count += 1 }
        }
    }
    return count
}

let isRoot = getuid() == 0
