import Foundation
import Synchronization
import TestSupport
import Testing

/// True when kernel tests can run (root: netns, links). CI runs as root, so they run there.
let canUseKernel = getuid() == 0

enum CommandError: Error, CustomStringConvertible {
    case failed(command: [String], status: Int32, output: String)
    var description: String {
        switch self {
        case .failed(let command, let status, let output): "\(command.joined(separator: " ")) exited \(status): \(output)"
        }
    }
}

/// Runs a command (no shell) and returns its standard output; throws with stderr on failure.
@discardableResult
func run(_ arguments: [String]) throws -> String {
    let result = try runCommand(arguments)
    guard result.status == 0 else {
        throw CommandError.failed(command: arguments, status: result.status, output: result.error)
    }
    return result.output
}

private let namespaceCounter = Atomic<Int>(0)

/// A fresh, uniquely named network namespace (pid + counter), deleted by `remove()` or deinit.
final class TestNamespace {
    let name: String
    var path: String { "/var/run/netns/\(name)" }
    private var removed = false

    init(_ role: String) throws {
        name = "dpt\(getpid())-\(namespaceCounter.add(1, ordering: .relaxed).newValue)\(role)"
        try run(["ip", "netns", "add", name])
        try exec(["ip", "link", "set", "lo", "up"])
    }

    /// Runs a command inside the namespace.
    @discardableResult
    func exec(_ arguments: [String]) throws -> String { try run(["ip", "netns", "exec", name] + arguments) }

    /// `ip -j -d link show` (all links, or one) decoded.
    func links(_ device: String? = nil) throws -> [[String: Any]] {
        let all = try json(["ip", "-j", "-d", "link", "show"])
        return device.map { name in all.filter { $0["ifname"] as? String == name } } ?? all
    }

    /// `bridge -j fdb show dev DEVICE` decoded.
    func fdb(_ device: String) throws -> [[String: Any]] { try json(["bridge", "-j", "fdb", "show", "dev", device]) }

    func json(_ arguments: [String]) throws -> [[String: Any]] {
        let text = try exec(arguments)
        let data = Data((text.isEmpty ? "[]" : text).utf8)
        return (try JSONSerialization.jsonObject(with: data) as? [[String: Any]]) ?? []
    }

    func remove() {
        guard !removed else { return }
        removed = true
        _ = try? run(["ip", "netns", "del", name])
    }

    deinit { remove() }
}

/// A compact view of one FDB entry for exact comparisons.
struct FDBRow: Hashable, CustomStringConvertible {
    var mac: String
    var dst: String?
    var vni: Int?
    var master: String?
    var flags: [String]
    var state: String

    init(mac: String, dst: String? = nil, vni: Int? = nil, master: String? = nil, flags: [String], state: String) {
        (self.mac, self.dst, self.vni, self.master, self.flags, self.state) = (mac, dst, vni, master, flags, state)
    }

    init(_ json: [String: Any]) {
        mac = json["mac"] as? String ?? ""
        dst = json["dst"] as? String
        vni = json["vni"] as? Int
        master = json["master"] as? String
        flags = json["flags"] as? [String] ?? []
        state = json["state"] as? String ?? ""
    }

    var description: String { "\(mac) dst=\(dst ?? "-") vni=\(vni.map(String.init) ?? "-") master=\(master ?? "-") \(flags) \(state)" }
}

/// True when the bridge port is in the forwarding state (the kernel refuses dynamic FDB entries before).
func forwarding(_ ns: TestNamespace, _ port: String) throws -> Bool {
    try ns.json(["bridge", "-j", "link", "show", "dev", port]).first?["state"] as? String == "forwarding"
}
