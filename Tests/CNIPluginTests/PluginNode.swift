import Foundation
import OrderedJSON
import Synchronization
import TestSupport
import Testing

/// True when the kernel tests can run: root (namespaces) and host-local from Debian's
/// containernetworking-plugins (scripts/lib/deps.sh installs it).
let canUseKernel = getuid() == 0
let pluginDirectory = "/usr/lib/cni"

/// An executable built next to the test bundle.
func builtTool(_ name: String) -> String {
    let bundle = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
    return URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent(name).path
}

struct CommandFailed: Error, CustomStringConvertible {
    let description: String
}

/// Runs a command (no shell); throws with its standard error when it fails.
@discardableResult
func run(_ arguments: [String], input: [UInt8]? = nil) throws -> String {
    let result = try runCommand(arguments, input: input)
    guard result.status == 0 else {
        throw CommandFailed(description: "\(arguments.joined(separator: " ")) exited \(result.status): \(result.error)")
    }
    return result.output
}

private let counter = Atomic<Int>(0)

/// A unique name for a namespace of this test process.
func uniqueName(_ role: String) -> String {
    "cni\(getpid())-\(counter.add(1, ordering: .relaxed).newValue)\(role)"
}

/// What one plugin invocation printed, decoded.
struct PluginAnswer {
    var status: Int32
    var output: String
    var error: String

    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any]
    }
    /// The CNI error code, for a failed invocation.
    var code: Int? { json?["code"] as? Int }
    var message: String { json?["msg"] as? String ?? "" }
}

/// A node as the runtime sees it: a network namespace with an underlay address (198.51.100.11 on
/// one end of a veth whose other end stays in the namespace, so nothing leaves it) and bagpipe-bgp
/// with the Linux driver and its default API address, 127.0.0.1:8082. The plugin is run inside it
/// as a runtime runs it: `CNI_*` variables and the network config on standard input. Containers
/// are namespaces of their own. Everything is removed by `remove()` (also on deinit).
final class PluginNode {
    let name: String
    let directory: URL
    var ipamDirectory: String { directory.appendingPathComponent("ipam").path }
    private var daemon: Process?
    private var containers: [String] = []
    private var removed = false

    /// `common`: more lines for the daemon's `[COMMON]` section.
    init(common: String = "") throws {
        name = uniqueName("node")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("swift-bagpipe-\(name)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try run(["ip", "netns", "add", name])
        do {
            try exec(["ip", "link", "set", "lo", "up"])
            try exec(["ip", "link", "add", "ul0", "type", "veth", "peer", "name", "ul1"])
            try exec(["ip", "addr", "add", "198.51.100.11/24", "dev", "ul0"])
            try exec(["ip", "link", "set", "ul0", "up"])
            try exec(["ip", "link", "set", "ul1", "up"])
            try """
                [BGP]
                local_address = 198.51.100.11
                peers = 198.51.100.1
                my_as = 64512
                enable_rtc = True

                [COMMON]
                state_file = \(directory.path)/state.json
                \(common)

                [DATAPLANE_DRIVER_EVPN]
                dataplane_driver = linux

                """.write(to: directory.appendingPathComponent("bgp.conf"), atomically: true, encoding: .utf8)
            try startDaemon()
        } catch {
            remove()
            throw error
        }
    }

    deinit { remove() }

    @discardableResult
    func exec(_ arguments: [String]) throws -> String { try run(["ip", "netns", "exec", name] + arguments) }

    /// Starts bagpipe-bgp in the node and waits until its API answers.
    func startDaemon() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip", "netns", "exec", name, builtTool("bagpipe-bgp"),
                             "--config-file", directory.appendingPathComponent("bgp.conf").path, "--log-level", "debug"]
        let log = directory.appendingPathComponent("bagpipe-bgp.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        daemon = process
        let answers = eventually(timeout: 30) { (try? exec(["curl", "-sf", "http://127.0.0.1:8082/ping"])) != nil }
        guard answers else { throw CommandFailed(description: "bagpipe-bgp did not answer in \(name): \(daemonLog())") }
    }

    /// Stops bagpipe-bgp (SIGTERM: it writes its state file and exits).
    func stopDaemon() {
        guard let daemon, daemon.isRunning else { return }
        daemon.terminate()
        daemon.waitUntilExit()
        self.daemon = nil
    }

    func daemonLog() -> String {
        (try? String(contentsOf: directory.appendingPathComponent("bagpipe-bgp.log"), encoding: .utf8)) ?? ""
    }

    /// A new, empty container namespace; returns its path.
    func container() throws -> String {
        let container = uniqueName("c")
        try run(["ip", "netns", "add", container])
        containers.append(container)
        return "/var/run/netns/\(container)"
    }

    /// Runs bagpipe-cni in the node as a runtime does.
    func plugin(_ command: String, _ config: String, containerID: String = "", netns: String = "", ifname: String = "eth0",
                path: String = pluginDirectory) throws -> PluginAnswer {
        let variables = ["CNI_COMMAND=\(command)", "CNI_CONTAINERID=\(containerID)", "CNI_NETNS=\(netns)",
                         "CNI_IFNAME=\(ifname)", "CNI_PATH=\(path)"]
        let result = try runCommand(["ip", "netns", "exec", name, "env", "-i"] + variables + [builtTool("bagpipe-cni")],
                                    input: Array(config.utf8))
        return PluginAnswer(status: result.status, output: result.output, error: result.error)
    }

    /// `GET /looking-glass/<path>` from inside the node, decoded; nil for a 404.
    func lookingGlass(_ path: String) throws -> Any? {
        let result = try runCommand(["ip", "netns", "exec", name, "curl", "-s", "-w", "\n%{http_code}",
                                     "http://127.0.0.1:8082/looking-glass/\(path)"])
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.last == "200" else { return nil }
        return try JSONSerialization.jsonObject(with: Data(lines.dropLast().joined(separator: "\n").utf8), options: .fragmentsAllowed)
    }

    /// Detaches an endpoint behind the plugin's back, as a daemon that lost it would have.
    func detachInDaemon(_ endpoint: (port: String, mac: String, ip: String?, description: String?, provisional: Bool), instance: String) throws {
        try exec(["curl", "-sf", "-X", "POST", "-H", "Content-Type: application/json", "http://127.0.0.1:8082/detach_localport", "-d",
                  #"{"vpn_type": "evpn", "vpn_instance_id": "\#(instance)", "mac_address": "\#(endpoint.mac)", "local_port": "\#(endpoint.port)"}"#])
    }

    /// The endpoints of `instance` as `(port, mac, ip, description, provisional)`.
    func endpoints(_ instance: String) throws -> [(port: String, mac: String, ip: String?, description: String?, provisional: Bool)] {
        guard let ports = try lookingGlass("vpns/instances/\(instance)/ports") as? [String: Any] else { return [] }
        return ports.sorted { $0.key < $1.key }.flatMap { port, value in
            ((value as? [String: Any])?["endpoints"] as? [[String: Any]] ?? []).map {
                (port, $0["mac_address"] as? String ?? "", $0["ip_address"] as? String, $0["description"] as? String,
                 $0["provisional"] as? Bool ?? false)
            }
        }
    }

    /// Names of the links in the node (or in a container namespace given by path).
    func links(in namespacePath: String? = nil) throws -> [String] {
        let output = try namespacePath.map { try run(["nsenter", "--net=\($0)", "ip", "-o", "link", "show"]) }
            ?? exec(["ip", "-o", "link", "show"])
        return output.split(separator: "\n").compactMap { line in
            line.split(separator: ":").dropFirst().first.map { String($0.trimmingCharacters(in: .whitespaces).split(separator: "@")[0]) }
        }
    }

    /// The addresses host-local holds for `network`, from its lease files.
    func leases(_ network: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: "\(ipamDirectory)/\(network)")) ?? []
        return files.filter { !$0.hasPrefix("last_reserved_ip") && $0 != "lock" }.sorted()
    }

    func remove() {
        guard !removed else { return }
        removed = true
        stopDaemon()
        for container in containers { _ = try? run(["ip", "netns", "del", container]) }
        _ = try? run(["ip", "netns", "del", name])
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A network config for the node's daemon and host-local; `extra` adds or replaces top-level keys.
func networkConfig(_ node: PluginNode, version: String = "1.0.0", name: String = "evpn-test", instance: String = "blue",
                   subnet: String = "203.0.113.0/24", extra: [String: Any] = [:]) -> String {
    var config: [String: Any] = [
        "cniVersion": version, "name": name, "type": "bagpipe-cni", "vpnInstanceId": instance, "routeTargets": ["64512:80"],
        "ipam": ["type": "host-local", "dataDir": node.ipamDirectory, "ranges": [[["subnet": subnet]]],
                 "routes": [["dst": "0.0.0.0/0"]]] as [String: Any],
    ]
    for (key, value) in extra { config[key] = value }
    let data = try! JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}

/// `config` with `key` set to the JSON text `value` (for prevResult and the like).
func adding(_ key: String, json value: String, to config: String) -> String {
    var object = try! JSONSerialization.jsonObject(with: Data(config.utf8)) as! [String: Any]
    object[key] = try! JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)
    return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
}
