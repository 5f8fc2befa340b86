import Foundation
import NetAddress
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import TestSupport

let isRoot = getuid() == 0

/// Runs a command to completion; returns its exit status and standard output.
@discardableResult
func command(_ arguments: [String], check: Bool = true) throws -> (status: Int32, output: String) {
    let result = try runCommand(arguments)
    if check && result.status != 0 {
        throw TestTimeout(description: "\(arguments.joined(separator: " ")) failed (\(result.status)): \(result.error)")
    }
    return (result.status, result.output)
}

/// Two network namespaces joined by a veth pair, `ul0` on each side: ours (198.51.100.11/24) and the
/// peer's (198.51.100.1/24), plus a scratch directory. Names carry the pid and a counter; `remove()`
/// kills the processes started here (by pid) and deletes everything.
final class InteropTopology: @unchecked Sendable {
    /// Tests run in parallel: each topology takes a distinct number.
    private static let counter = Atomic<Int>(0)
    let ours: String
    let theirs: String
    let directory: URL
    let ourAddress = IPAddress("198.51.100.11")!
    let peerAddress = IPAddress("198.51.100.1")!
    private var processes: [Process] = []

    init(_ tag: String) throws {
        let suffix = "\(getpid())-\(Self.counter.add(1, ordering: .relaxed).newValue)"
        ours = "bgp-\(tag)-us-\(suffix)"
        theirs = "bgp-\(tag)-peer-\(suffix)"
        directory = URL(fileURLWithPath: "/tmp/bagpipe-interop-\(tag)-\(suffix)")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            chmod(directory.path, 0o777)
            for namespace in [ours, theirs] {
                try command(["ip", "netns", "add", namespace])
                try command(["ip", "-n", namespace, "link", "set", "lo", "up"])
            }
            try command(["ip", "-n", ours, "link", "add", "ul0", "type", "veth", "peer", "name", "ul0", "netns", theirs])
            try command(["ip", "-n", ours, "addr", "add", "198.51.100.11/24", "dev", "ul0"])
            try command(["ip", "-n", theirs, "addr", "add", "198.51.100.1/24", "dev", "ul0"])
            try command(["ip", "-n", ours, "link", "set", "ul0", "up"])
            try command(["ip", "-n", theirs, "link", "set", "ul0", "up"])
        } catch {
            remove()
            throw error
        }
    }

    /// Writes `text` to a file in the scratch directory, readable by the FRR user.
    func write(_ name: String, _ text: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        chmod(url.path, 0o644)
        return url.path
    }

    /// Starts `arguments` in the peer's namespace, output to `log` in the scratch directory.
    @discardableResult
    func start(_ arguments: [String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = ["netns", "exec", theirs] + arguments
        let logURL = directory.appendingPathComponent(log)
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logURL)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        processes.append(process)
        return process
    }

    /// Runs a command in the peer's namespace.
    @discardableResult
    func inPeer(_ arguments: [String], check: Bool = true) throws -> (status: Int32, output: String) {
        try command(["ip", "netns", "exec", theirs] + arguments, check: check)
    }

    /// Kills `process` (SIGKILL, by pid) and waits for it.
    func kill(_ process: Process) {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Kills the processes listed in a pid file (daemons that fork, like FRR's).
    func killPIDFile(_ path: String) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return }
        Glibc.kill(pid, SIGKILL)
        for _ in 0..<200 where Glibc.kill(pid, 0) == 0 { usleep(10_000) }
    }

    var pidFiles: [String] = []

    func remove() {
        for process in processes { kill(process) }
        for file in pidFiles { killPIDFile(file) }
        for namespace in [ours, theirs] { _ = try? command(["ip", "netns", "del", namespace], check: false) }
        if getenv("BGP_KEEP_INTEROP_LOGS") == nil { try? FileManager.default.removeItem(at: directory) }
    }

    func log(_ name: String) -> String {
        (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }
}

/// Polls `condition` (off the loop) every 50 ms for at most `timeout` seconds.
func eventually(_ what: String, timeout: Double = 20, _ condition: () throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while try !condition() {
        guard Date() < deadline else { throw TestTimeout(description: "timed out waiting for \(what)") }
        try await Task.sleep(nanoseconds: 50_000_000)
    }
}

/// gobgpd in the peer's namespace: AS 64512 at 198.51.100.1, configured with `gobgpGlobal` plus
/// the tests' own neighbours.
extension InteropTopology {
    static let gobgpGlobal = """
        [global.config]
          as = 64512
          router-id = "198.51.100.1"
          local-address-list = ["198.51.100.1"]

        """

    /// Starts gobgpd with `config` (extra `arguments`, e.g. `-r` after a restart) and waits for its API.
    func startGoBGP(config: String, arguments: [String] = []) async throws -> Process {
        let path = try write("gobgpd.toml", config)
        let process = try start(["gobgpd", "-f", path, "-l", "info", "--log-plain"] + arguments, log: "gobgpd.log")
        try await eventually("gobgpd API") { try inPeer(["gobgp", "neighbor"], check: false).status == 0 }
        return process
    }
}
