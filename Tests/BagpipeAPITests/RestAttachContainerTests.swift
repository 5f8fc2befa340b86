import Foundation
import Testing
@testable import BagpipeAPI

/// `bagpipe-rest-attach --port netns --container NAME`: the container's namespace comes from its
/// runtime's `inspect` (here a script standing in for podman/docker, printing what they print):
/// `NetworkSettings.SandboxKey`, else `/proc/<State.Pid>/ns/net`.
@Suite(.enabled(if: getuid() == 0, "needs root for network namespaces"))
struct RestAttachContainerTests {
    /// A fake runtime answering `inspect --format FORMAT NAME` for container `name` only.
    private func fakeRuntime(_ name: String, sandboxKey: String, pid: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fake-runtime-\(UUID().uuidString.prefix(8))").path
        try """
            #!/bin/sh
            [ "$1 $2" = "inspect --format" ] && [ "$4" = \(name) ] || { echo "Error: no such container $4" >&2; exit 125; }
            case "$3" in
              *SandboxKey*) echo "\(sandboxKey)" ;;
              *State.Pid*) echo "\(pid)" ;;
            esac

            """.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    private func restAttach(_ server: APIServer, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try run(CommandLineToolTests.tool("bagpipe-rest-attach"), arguments + ["--api-port", String(server.port), "--config-file", "/nonexistent"])
    }

    @Test func plugsTheNamespaceTheRuntimeNames() throws {
        let server = try APIServer()
        defer { server.stop() }
        let namespace = "ratc\(getpid())"
        try run("/usr/bin/env", ["ip", "netns", "add", namespace])
        let runtime = try fakeRuntime("wa\(getpid())", sandboxKey: "/var/run/netns/\(namespace)", pid: "0")
        defer {
            _ = try? run("/usr/bin/env", ["ip", "link", "del", "ns-wa\(getpid())"])
            _ = try? run("/usr/bin/env", ["ip", "netns", "del", namespace])
            try? FileManager.default.removeItem(atPath: runtime)
        }
        let attach = try restAttach(server, ["--attach", "--network-type", "evpn", "--port", "netns", "--container", "wa\(getpid())",
                                             "--container-runtime", runtime, "--ip", "203.0.113.11/24"])
        #expect(attach.status == 0, "\(attach.error)")
        #expect(attach.output.contains("Will plug container wa\(getpid()) (namespace /var/run/netns/\(namespace)) into network\n"))
        let mac = try run("/usr/bin/env", ["ip", "netns", "exec", namespace, "cat", "/sys/class/net/tovpn/address"])
            .output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(attach.output.contains("Local port: ns-wa\(getpid()) (\(mac))\n"))
        #expect(try run("/usr/bin/env", ["ip", "-n", namespace, "-o", "addr", "show", "dev", "tovpn"]).output.contains("203.0.113.11/24"))

        let detach = try restAttach(server, ["--detach", "--network-type", "evpn", "--port", "netns", "--container", "wa\(getpid())",
                                             "--container-runtime", runtime, "--ip", "203.0.113.11/24"])
        #expect(detach.status == 0, "\(detach.error)")
        #expect(detach.output.contains(#""mac_address": "\#(mac)""#), "the MAC read back from the container")
        #expect(server.onLoop { server.service.instances.isEmpty })

        let unknown = try restAttach(server, ["--attach", "--network-type", "evpn", "--port", "netns", "--container", "db",
                                              "--container-runtime", runtime, "--ip", "203.0.113.12/24"])
        #expect(unknown.status == 1)
        #expect(unknown.error.contains("Error: no such container db\n"))
        #expect(unknown.error.hasSuffix("\(runtime) inspect db failed (exit status 125)\n"), "\(unknown.error)")
    }

    /// No sandbox key (docker with a namespace not bound anywhere): the container's PID gives it.
    @Test func fallsBackToTheContainersProcess() throws {
        let server = try APIServer()
        defer { server.stop() }
        let namespace = "ratp\(getpid())"
        try run("/usr/bin/env", ["ip", "netns", "add", namespace])
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sleeper.arguments = ["ip", "netns", "exec", namespace, "sleep", "60"]
        try sleeper.run()
        let runtime = try fakeRuntime("wb\(getpid())", sandboxKey: "", pid: String(sleeper.processIdentifier))
        defer {
            kill(sleeper.processIdentifier, SIGKILL)
            sleeper.waitUntilExit()
            _ = try? run("/usr/bin/env", ["ip", "link", "del", "ns-wb\(getpid())"])
            _ = try? run("/usr/bin/env", ["ip", "netns", "del", namespace])
            try? FileManager.default.removeItem(atPath: runtime)
        }
        // `ip netns exec` enters the namespace, then execs sleep: until it has, the PID's namespace is
        // ours, which must never be plugged.
        let inode = { (path: String) -> UInt64? in
            var info = stat()
            return stat(path, &info) == 0 ? UInt64(info.st_ino) : nil
        }
        let deadline = Date().addingTimeInterval(10)
        while inode("/proc/\(sleeper.processIdentifier)/ns/net") != inode("/var/run/netns/\(namespace)") && Date() < deadline {
            usleep(20_000)
        }
        try #require(inode("/proc/\(sleeper.processIdentifier)/ns/net") == inode("/var/run/netns/\(namespace)"))
        let attach = try restAttach(server, ["--attach", "--network-type", "evpn", "--port", "netns", "--container", "wb\(getpid())",
                                             "--container-runtime", runtime, "--ip", "203.0.113.13/24"])
        #expect(attach.status == 0, "\(attach.error)")
        #expect(attach.output.contains("Will plug container wb\(getpid()) (namespace /proc/\(sleeper.processIdentifier)/ns/net) into network\n"))
        #expect(try run("/usr/bin/env", ["ip", "-n", namespace, "-o", "addr", "show", "dev", "tovpn"]).output.contains("203.0.113.13/24"))
    }

    @Test func refusesContradictoryOptions() throws {
        let server = try APIServer()
        defer { server.stop() }
        let both = try restAttach(server, ["--attach", "--network-type", "evpn", "--port", "netns", "--container", "wa\(getpid())",
                                           "--netns", "x", "--ip", "203.0.113.11/24"])
        #expect(both.status == 64)
        #expect(both.error.contains("--netns and --container cannot be combined"))
        let notNetns = try restAttach(server, ["--attach", "--network-type", "evpn", "--port", "tap1", "--container", "wa\(getpid())",
                                               "--mac", "52:54:00:00:00:01", "--ip", "203.0.113.11/24"])
        #expect(notNetns.status == 64)
        #expect(notNetns.error.contains("--container needs --port netns"))
        #expect(server.onLoop { server.service.attachCount } == 0)
    }
}
