import Foundation
import TestSupport
import Testing
@testable import CNIPlugin

/// bagpipe-cni driven as a runtime drives it (environment + config on standard input, the built
/// binary) against bagpipe-bgp with the Linux driver in a node namespace, with Debian's host-local.
@Suite(.enabled(if: canUseKernel, "needs root (network namespaces)"))
struct PluginCommandTests {
    init() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "\(pluginDirectory)/host-local"),
                     "host-local missing: apt-get install containernetworking-plugins")
    }

    @Test func addCheckDeleteLeaveNothingBehind() throws {
        let node = try PluginNode()
        defer { node.remove() }
        let netns = try node.container()
        let config = networkConfig(node)
        let id = "4f1d2c3b5a6e7788"
        let host = AttachmentKey(containerID: id, interfaceName: "eth0").hostInterfaceName

        let add = try node.plugin("ADD", config, containerID: id, netns: netns)
        #expect(add.status == 0, "\(add.output) \(add.error)")
        let result = try #require(add.json)
        #expect(result["cniVersion"] as? String == "1.0.0")
        let interfaces = try #require(result["interfaces"] as? [[String: Any]])
        #expect(interfaces.count == 2)
        #expect(interfaces[0]["name"] as? String == host && interfaces[0]["sandbox"] == nil)
        #expect(interfaces[1]["name"] as? String == "eth0" && interfaces[1]["sandbox"] as? String == netns)
        #expect(interfaces.allSatisfy { $0["mtu"] == nil }, "mtu is a 1.1.0 field")
        let ips = try #require(result["ips"] as? [[String: Any]])
        #expect(ips.count == 1)
        #expect(ips[0]["address"] as? String == "203.0.113.2/24")
        #expect(ips[0]["gateway"] as? String == "203.0.113.1")
        #expect(ips[0]["interface"] as? Int == 1)
        #expect(ips[0]["version"] == nil, "version is gone from 1.0.0 results")
        #expect(result["routes"] as? [[String: String]] == [["dst": "0.0.0.0/0"]])
        #expect(result["dns"] is [String: Any])
        let mac = try #require(interfaces[1]["mac"] as? String)

        // The kernel: the container end with its address, MTU and route; the host end in the bridge.
        let inside = try run(["nsenter", "--net=\(netns)", "ip", "-o", "addr", "show", "dev", "eth0"])
        #expect(inside.contains("inet 203.0.113.2/24"))
        let link = try run(["nsenter", "--net=\(netns)", "ip", "-o", "link", "show", "dev", "eth0"])
        #expect(link.contains("mtu 1450") && link.contains("state UP") && link.contains(mac))
        #expect(try run(["nsenter", "--net=\(netns)", "ip", "route", "show", "default"]).contains("default via 203.0.113.1 dev eth0"))
        #expect(try node.exec(["ip", "-o", "link", "show", "dev", host]).contains("master evpn---blue"))
        // The daemon: one endpoint on the host end, tagged with the attachment's key.
        let endpoints = try node.endpoints("blue")
        #expect(endpoints.count == 1)
        #expect(endpoints.first?.port == host && endpoints.first?.mac == mac && endpoints.first?.ip == "203.0.113.2/24")
        let tag = try #require(endpoints.first?.description.flatMap(AttachmentKey.parse(endpointDescription:)))
        #expect(tag.network == "evpn-test" && tag.key == AttachmentKey(containerID: id, interfaceName: "eth0"))
        #expect(node.leases("evpn-test") == ["203.0.113.2"])

        let check = try node.plugin("CHECK", adding("prevResult", json: add.output, to: config), containerID: id, netns: netns)
        #expect(check.status == 0 && check.output.isEmpty, "\(check.output)")

        let delete = try node.plugin("DEL", adding("prevResult", json: add.output, to: config), containerID: id, netns: netns)
        #expect(delete.status == 0 && delete.output.isEmpty, "\(delete.output)")
        #expect(try !node.links().contains(host))
        #expect(try node.links(in: netns) == ["lo"])
        #expect(try node.lookingGlass("vpns/instances/blue") == nil, "the last detach ends the instance")
        #expect(try !node.links().contains("evpn---blue"))
        #expect(node.leases("evpn-test").isEmpty)

        let again = try node.plugin("DEL", config, containerID: id, netns: netns)
        #expect(again.status == 0, "\(again.output)")
    }

    @Test func deleteAfterTheNamespaceIsGone() throws {
        let node = try PluginNode()
        defer { node.remove() }
        let netns = try node.container()
        let config = networkConfig(node)
        #expect(try node.plugin("ADD", config, containerID: "gone1", netns: netns).status == 0)
        try run(["ip", "netns", "del", URL(fileURLWithPath: netns).lastPathComponent])

        for netnsVariable in [netns, ""] {
            let delete = try node.plugin("DEL", config, containerID: "gone1", netns: netnsVariable)
            #expect(delete.status == 0, "\(delete.output)")
        }
        #expect(try node.endpoints("blue").isEmpty)
        #expect(node.leases("evpn-test").isEmpty)
    }

    @Test func deleteWhenTheDaemonLostTheAttachment() throws {
        let node = try PluginNode()
        defer { node.remove() }
        let netns = try node.container()
        let config = networkConfig(node)
        let add = try node.plugin("ADD", config, containerID: "lost1", netns: netns)
        #expect(add.status == 0)
        let endpoint = try #require(try node.endpoints("blue").first)
        try node.detachInDaemon(endpoint, instance: "blue")
        #expect(try node.endpoints("blue").isEmpty)

        let delete = try node.plugin("DEL", config, containerID: "lost1", netns: netns)
        #expect(delete.status == 0, "\(delete.output)")
        #expect(try !node.links().contains(endpoint.port))
        #expect(node.leases("evpn-test").isEmpty)
    }

    /// A daemon restart keeps the attachment and its key (state file), so DEL finds it. The daemon
    /// down: DEL deletes the veth and asks to try again (11), keeping the lease while the address
    /// may still be advertised; the retry once the daemon is back detaches whatever it still has
    /// and releases the lease.
    @Test func deleteAcrossDaemonRestarts() throws {
        let node = try PluginNode()
        defer { node.remove() }
        let netns = try node.container()
        let config = networkConfig(node)
        #expect(try node.plugin("ADD", config, containerID: "down1", netns: netns).status == 0)
        #expect(try node.plugin("ADD", config, containerID: "down2", netns: try node.container()).status == 0)
        node.stopDaemon()
        try node.startDaemon()
        #expect(try node.endpoints("blue").count == 2, "restored from the state file")
        #expect(try node.plugin("DEL", config, containerID: "down2", netns: "").status == 0)
        #expect(try node.endpoints("blue").count == 1)
        #expect(node.leases("evpn-test") == ["203.0.113.2"])

        node.stopDaemon()
        let first = try node.plugin("DEL", config, containerID: "down1", netns: netns)
        #expect(first.status == 1)
        #expect(first.code == 11)
        #expect(first.message.contains("no bagpipe-bgp REST API at http://127.0.0.1:8082"), "\(first.message)")
        #expect(try !node.links().contains(AttachmentKey(containerID: "down1", interfaceName: "eth0").hostInterfaceName))
        #expect(node.leases("evpn-test") == ["203.0.113.2"])

        try node.startDaemon()   // its state file still has down1's attachment, waiting for the veth
        let retry = try node.plugin("DEL", config, containerID: "down1", netns: netns)
        #expect(retry.status == 0, "\(retry.output)")
        #expect(try node.endpoints("blue").isEmpty)
        #expect((try node.lookingGlass("state/state_file/waiting_for_interface") as? [Any])?.isEmpty == true)
        #expect(node.leases("evpn-test").isEmpty)
    }

    /// After a daemon restart its restored attachments are provisional; only an attach that
    /// re-posts or replaces one opens the re-sync window, after which those not re-posted are
    /// detached (docs/rest-api.md "After a restart"). The plugin never re-posts: an ADD of a new
    /// container and a DEL of a restored one open nothing, so every container still there keeps
    /// its attachment, in every network.
    @Test func restoredAttachmentsStayThroughTheAddsAndDeletesOfAPlugin() throws {
        let node = try PluginNode(common: "resync_window = 2")
        defer { node.remove() }
        let blue = networkConfig(node)
        let green = networkConfig(node, name: "green-net", instance: "green", subnet: "192.0.2.0/24",
                                  extra: ["routeTargets": ["64512:90"], "vni": 5100])
        for (config, id) in [(blue, "keep"), (blue, "gone"), (green, "other")] {
            #expect(try node.plugin("ADD", config, containerID: id, netns: try node.container()).status == 0)
        }
        node.stopDaemon()
        try node.startDaemon()
        #expect(try (node.endpoints("blue") + node.endpoints("green")).map(\.provisional) == [true, true, true])
        let phase = { ((try? node.lookingGlass("state/resync")) as? [String: Any])?["phase"] as? String }

        #expect(try node.plugin("ADD", blue, containerID: "new", netns: try node.container()).status == 0)
        #expect(phase() == "waiting for clients", "an attach of a new container opens nothing")
        #expect(try node.plugin("DEL", blue, containerID: "gone", netns: "").status == 0)
        #expect(phase() == "waiting for clients", "a detach of a restored attachment opens nothing")

        let kept = try (node.endpoints("blue") + node.endpoints("green"))
            .compactMap { $0.description.flatMap(AttachmentKey.parse(endpointDescription:))?.key.containerID }
        #expect(Set(kept) == ["keep", "new", "other"])
    }

    @Test func checkReportsWhatDiffersFromTheResult() throws {
        let node = try PluginNode()
        defer { node.remove() }
        let netns = try node.container()
        let config = networkConfig(node)
        let add = try node.plugin("ADD", config, containerID: "chk1", netns: netns)
        #expect(add.status == 0)
        let withResult = adding("prevResult", json: add.output, to: config)

        let noResult = try node.plugin("CHECK", config, containerID: "chk1", netns: netns)
        #expect(noResult.code == 7 && noResult.message.contains("prevResult"), "\(noResult.output)")
        let old = try node.plugin("CHECK", networkConfig(node, version: "0.3.1"), containerID: "chk1", netns: netns)
        #expect(old.code == 1 && old.message.contains("CHECK needs 0.4.0"), "\(old.output)")

        try run(["nsenter", "--net=\(netns)", "ip", "addr", "del", "203.0.113.2/24", "dev", "eth0"])
        let noAddress = try node.plugin("CHECK", withResult, containerID: "chk1", netns: netns)
        #expect(noAddress.code == 101 && noAddress.message == "eth0 lacks its address 203.0.113.2/24", "\(noAddress.output)")
        try run(["nsenter", "--net=\(netns)", "ip", "addr", "add", "203.0.113.2/24", "dev", "eth0"])
        #expect(try node.plugin("CHECK", withResult, containerID: "chk1", netns: netns).status == 0)

        let endpoint = try #require(try node.endpoints("blue").first)
        try node.detachInDaemon(endpoint, instance: "blue")
        let noEndpoint = try node.plugin("CHECK", withResult, containerID: "chk1", netns: netns)
        #expect(noEndpoint.code == 101 && noEndpoint.message.hasPrefix("bagpipe-bgp has no endpoint \(endpoint.mac) 203.0.113.2/24"),
                "\(noEndpoint.output)")
        #expect(try node.plugin("DEL", withResult, containerID: "chk1", netns: netns).status == 0)
        let gone = try node.plugin("CHECK", withResult, containerID: "chk1", netns: netns)
        #expect(gone.code == 101 && gone.message.contains("eth0 is missing"), "\(gone.output)")
    }

    @Test func statusSaysWhetherTheDaemonAnswers() throws {
        let node = try PluginNode()
        defer { node.remove() }
        let config = networkConfig(node, version: "1.1.0")
        let up = try node.plugin("STATUS", config)
        #expect(up.status == 0 && up.output.isEmpty, "\(up.output)")
        let older = try node.plugin("STATUS", networkConfig(node))
        #expect(older.code == 1 && older.message.contains("STATUS needs 1.1.0"))
        let noIPAM = try node.plugin("STATUS", config, path: "/nonexistent")
        #expect(noIPAM.code == 50 && noIPAM.message.contains("ipam.type: no plugin host-local in CNI_PATH (/nonexistent)"), "\(noIPAM.output)")
        let elsewhere = try node.plugin("STATUS", networkConfig(node, version: "1.1.0", extra: ["api": "http://127.0.0.1:1"]))
        #expect(elsewhere.code == 50 && elsewhere.message.hasPrefix("no bagpipe-bgp REST API at http://127.0.0.1:1"), "\(elsewhere.output)")
        node.stopDaemon()
        let down = try node.plugin("STATUS", config)
        #expect(down.status == 1 && down.code == 50, "\(down.output)")
        #expect(down.json?["cniVersion"] as? String == "1.1.0")
    }

    /// GC releases the attachments of this network the runtime no longer lists, and only those.
    @Test func garbageCollectionKeepsOnlyTheValidAttachments() throws {
        let node = try PluginNode()
        defer { node.remove() }
        let config = networkConfig(node, version: "1.1.0")
        let other = networkConfig(node, version: "1.1.0", name: "other-net", subnet: "192.0.2.0/24")
        let netnsA = try node.container(), netnsB = try node.container()
        #expect(try node.plugin("ADD", config, containerID: "keep", netns: netnsA).status == 0)
        #expect(try node.plugin("ADD", config, containerID: "drop", netns: netnsB).status == 0)
        #expect(try node.plugin("ADD", other, containerID: "drop", netns: netnsA, ifname: "net1").status == 0)
        #expect(try node.endpoints("blue").count == 3)
        let dropHost = AttachmentKey(containerID: "drop", interfaceName: "eth0").hostInterfaceName

        let missing = try node.plugin("GC", config)
        #expect(missing.code == 7 && missing.message.contains("cni.dev/valid-attachments"), "\(missing.output)")
        let gc = try node.plugin("GC", adding("cni.dev/valid-attachments", json: #"[{"containerID": "keep", "ifname": "eth0"}]"#, to: config))
        #expect(gc.status == 0, "\(gc.output)")
        let left = try node.endpoints("blue")
        #expect(left.count == 2)
        #expect(Set(left.compactMap { $0.description.flatMap(AttachmentKey.parse(endpointDescription:)) }.map { "\($0.network)/\($0.key.containerID)" })
                == ["evpn-test/keep", "other-net/drop"])
        #expect(try !node.links().contains(dropHost))
        #expect(try node.links(in: netnsB) == ["lo"])
        #expect(node.leases("evpn-test") == ["203.0.113.2"])
        #expect(node.leases("other-net") == ["192.0.2.2"])
    }

    @Test func failedAddsLeaveNothingBehind() throws {
        let node = try PluginNode()
        defer { node.remove() }
        let netns = try node.container()
        // The daemon refuses: another instance already has the fixed VNI.
        #expect(try node.plugin("ADD", networkConfig(node, instance: "red", extra: ["vni": 5000]), containerID: "first", netns: netns).status == 0)
        let netns2 = try node.container()
        let refused = try node.plugin("ADD", networkConfig(node, name: "second", instance: "green", subnet: "192.0.2.0/24", extra: ["vni": 5000]),
                                      containerID: "second", netns: netns2)
        #expect(refused.status == 1 && refused.code == 100, "\(refused.output)")
        #expect(refused.message.contains("A VPN instance using vni 5000 already exists"), "\(refused.message)")
        #expect(try node.links(in: netns2) == ["lo"])
        #expect(try !node.links().contains(AttachmentKey(containerID: "second", interfaceName: "eth0").hostInterfaceName))
        #expect(node.leases("second").isEmpty)

        // No daemon at the configured address.
        let unreachable = try node.plugin("ADD", networkConfig(node, name: "third", extra: ["api": "http://127.0.0.1:1"]),
                                          containerID: "third", netns: netns2)
        #expect(unreachable.code == 11, "\(unreachable.status) \(unreachable.output) \(unreachable.error)")
        #expect(try node.links(in: netns2) == ["lo"])
        #expect(node.leases("third").isEmpty)

        // The interface name is taken in the container: refused before any allocation.
        let taken = try node.plugin("ADD", networkConfig(node, name: "fourth"), containerID: "fourth", netns: netns, ifname: "eth0")
        #expect(taken.code == 4 && taken.message == "CNI_IFNAME: eth0 already exists in \(netns)", "\(taken.output)")
        #expect(node.leases("fourth").isEmpty)

        let noNamespace = try node.plugin("ADD", networkConfig(node, name: "fifth"), containerID: "fifth", netns: "/var/run/netns/none-\(getpid())")
        #expect(noNamespace.code == 3 && noNamespace.message.hasPrefix("CNI_NETNS:"), "\(noNamespace.output)")
        let noIPAM = try node.plugin("ADD", networkConfig(node, name: "sixth"), containerID: "sixth", netns: netns2, path: "/nonexistent")
        #expect(noIPAM.code == 7 && noIPAM.message.contains("ipam.type"), "\(noIPAM.output)")
        #expect(try node.endpoints("green").isEmpty)
        #expect(try node.endpoints("red").count == 1)
    }

    /// Without an ipam section (here `null`): an interface without addresses, attached by MAC only.
    @Test func withoutIPAMTheContainerIsAttachedByItsMACOnly() throws {
        let node = try PluginNode()
        defer { node.remove() }
        let netns = try node.container()
        let config = networkConfig(node, extra: ["ipam": NSNull()])
        let add = try node.plugin("ADD", config, containerID: "maconly", netns: netns, path: "")
        #expect(add.status == 0, "\(add.output)")
        #expect((add.json?["ips"] as? [Any])?.isEmpty == true)
        let endpoints = try node.endpoints("blue")
        #expect(endpoints.count == 1 && endpoints.first?.ip == nil)
        #expect(try node.plugin("CHECK", adding("prevResult", json: add.output, to: config), containerID: "maconly", netns: netns).status == 0)
        #expect(try node.plugin("DEL", config, containerID: "maconly", netns: netns).status == 0)
        #expect(try node.endpoints("blue").isEmpty)
    }

    /// The IPAM plugin is waited for with waitpid: Foundation's Process, in a namespace whose `lo` is
    /// down, never noticed host-local had ended and the plugin hung (no daemon needed here: the
    /// API is a socket that does not exist, so ADD fails after IPAM and rolls back).
    @Test func ipamRunsInANamespaceWhoseLoopbackIsDown() throws {
        let namespace = uniqueName("lo"), container = uniqueName("c")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swift-bagpipe-\(namespace)").path
        try run(["ip", "netns", "add", namespace])
        try run(["ip", "netns", "add", container])
        defer {
            _ = try? run(["ip", "netns", "del", namespace])
            _ = try? run(["ip", "netns", "del", container])
            try? FileManager.default.removeItem(atPath: directory)
        }
        let config = #"{"cniVersion": "1.0.0", "name": "lo-down", "type": "bagpipe-cni", "routeTargets": ["64512:80"], "api": "/nonexistent/api.sock", "#
            + #""ipam": {"type": "host-local", "dataDir": "\#(directory)", "ranges": [[{"subnet": "203.0.113.0/24"}]]}}"#
        for attempt in 1...3 {
            let result = try runCommand(["timeout", "-s", "KILL", "30", "ip", "netns", "exec", namespace, "env", "-i", "CNI_COMMAND=ADD",
                                         "CNI_CONTAINERID=lo\(attempt)", "CNI_NETNS=/var/run/netns/\(container)", "CNI_IFNAME=eth0",
                                         "CNI_PATH=\(pluginDirectory)", builtTool("bagpipe-cni")], input: Array(config.utf8))
            #expect(result.status == 1 && result.output.contains(#""code":11"#), "\(result.status) \(result.output) \(result.error)")
        }
        #expect(try run(["ip", "-n", container, "-o", "link", "show"]).split(separator: "\n").count == 1, "only lo")
        let leases = (try? FileManager.default.contentsOfDirectory(atPath: "\(directory)/lo-down")) ?? []
        #expect(leases.filter { $0.hasPrefix("203.") }.isEmpty)
    }

    /// Older and newer result formats, and a result passed on from an earlier plugin of a chain.
    @Test func resultsFollowTheConfigVersionAndTheChain() throws {
        let node = try PluginNode()
        defer { node.remove() }
        let old = try node.plugin("ADD", networkConfig(node, version: "0.3.1"), containerID: "v031", netns: try node.container())
        let oldIPs = try #require(old.json?["ips"] as? [[String: Any]], "\(old.output)")
        #expect(old.json?["cniVersion"] as? String == "0.3.1")
        #expect(oldIPs.first?["version"] as? String == "4")

        // 1.1.0, which Debian's host-local does not speak: it is asked in 1.0.0.
        let new = try node.plugin("ADD", networkConfig(node, version: "1.1.0"), containerID: "v110", netns: try node.container())
        #expect(new.json?["cniVersion"] as? String == "1.1.0", "\(new.output)")
        let newInterfaces = try #require(new.json?["interfaces"] as? [[String: Any]])
        #expect(newInterfaces.map { $0["mtu"] as? Int } == [1450, 1450])

        let previous = #"{"cniVersion": "1.0.0", "interfaces": [{"name": "lo0", "sandbox": "/x"}], "ips": [{"address": "192.0.2.9/24", "interface": 0}], "routes": [], "dns": {"nameservers": ["192.0.2.53"]}}"#
        let chained = try node.plugin("ADD", adding("prevResult", json: previous, to: networkConfig(node)), containerID: "chain",
                                      netns: try node.container())
        let result = try #require(chained.json, "\(chained.output)")
        #expect((result["interfaces"] as? [[String: Any]])?.map { $0["name"] as? String } == ["lo0", AttachmentKey(containerID: "chain", interfaceName: "eth0").hostInterfaceName, "eth0"])
        #expect((result["ips"] as? [[String: Any]])?.map { $0["interface"] as? Int } == [0, 2])
        #expect((result["dns"] as? [String: Any])?["nameservers"] as? [String] == ["192.0.2.53"])
    }
}
