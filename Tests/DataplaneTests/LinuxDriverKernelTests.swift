import Dataplane
import Foundation
import LinuxDataplane
import NetAddress
import Synchronization
import TestSupport
import Testing

/// The Linux driver against the real kernel, each test in fresh namespaces (needs root; CI is root).
@Suite(.enabled(if: canUseKernel, "needs root (network namespaces)"))
struct LinuxDriverKernelTests {
    let vtepA = IPAddress("198.51.100.12")!
    let vtepB = IPAddress("198.51.100.13")!
    let localMAC = MACAddress("52:54:00:00:01:01")!
    let remoteMAC = MACAddress("52:54:00:00:02:02")!

    /// A node namespace with an underlay veth (MTU 9000, 198.51.100.11) and a port veth whose
    /// other end is in a second (container) namespace.
    func makeNode() throws -> (node: TestNamespace, container: TestNamespace, driver: LinuxVXLANDriver) {
        let node = try TestNamespace("n"), container = try TestNamespace("c")
        try node.exec(["ip", "link", "add", "ul0", "mtu", "9000", "type", "veth", "peer", "name", "ul1", "mtu", "9000"])
        try node.exec(["ip", "addr", "add", "198.51.100.11/24", "dev", "ul0"])
        try node.exec(["ip", "link", "add", "port1", "type", "veth", "peer", "name", "eth0", "netns", container.name])
        let driver = try LinuxVXLANDriver(configuration: .init(localAddress: IPAddress("198.51.100.11")!,
                                                               networkNamespacePath: node.path))
        return (node, container, driver)
    }

    /// The FDB of a device without the kernel's own entries (device address, IPv6/IPv4 multicast).
    func fdb(_ ns: TestNamespace, _ device: String) throws -> Set<FDBRow> {
        let own = try ns.links(device).first?["address"] as? String
        return Set(try ns.fdb(device).map(FDBRow.init).filter {
            $0.mac != own && !$0.mac.hasPrefix("33:33:") && !$0.mac.hasPrefix("01:00:5e:")
        })
    }

    func ourLinks(_ ns: TestNamespace) throws -> [String] {
        try ns.links().filter { ($0["ifalias"] as? String)?.hasPrefix("swift-bagpipe:") == true }.compactMap { $0["ifname"] as? String }
    }

    @Test func createPlugProgramMoveAndRemove() throws {
        let (node, container, driver) = try makeNode()
        defer { node.remove(); container.remove() }
        let id = "blue-1"
        let create: [DataplaneIntent] = [.createInstance(InstanceSpec(externalID: id, vni: 5010)),
                                         .plugPort(externalID: id, interface: "port1", mac: localMAC)]
        #expect(driver.apply(create) == [])

        let vxlan = try #require(try node.links("vxlan--blue-1").first)
        #expect(vxlan["mtu"] as? Int == 8950)                  // underlay 9000 − 50
        #expect(vxlan["master"] as? String == "evpn---blue-1")
        #expect(vxlan["ifalias"] as? String == "swift-bagpipe:blue-1")
        #expect((vxlan["flags"] as? [String])?.contains("UP") == true)
        let info = try #require((vxlan["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any])
        #expect((vxlan["linkinfo"] as? [String: Any])?["info_kind"] as? String == "vxlan")
        #expect(info["id"] as? Int == 5010)
        #expect(info["local"] as? String == "198.51.100.11")
        #expect(info["port"] as? Int == 4789)
        #expect(info["learning"] as? Bool == false)
        #expect(info["proxy"] == nil)                          // no ARP proxy by default (interop.md gotcha 4)
        // ARP/ND answered by the bridge for known remote IPs, others still flooded (docs/dataplane.md).
        let port = try #require(vxlan["linkinfo"] as? [String: Any])
        #expect((port["info_slave_data"] as? [String: Any])?["neigh_suppress"] as? Bool == true)
        let bridge = try #require(try node.links("evpn---blue-1").first)
        #expect((bridge["linkinfo"] as? [String: Any])?["info_kind"] as? String == "bridge")
        #expect(bridge["ifalias"] as? String == "swift-bagpipe:blue-1")
        #expect(try node.links("port1").first?["master"] as? String == "evpn---blue-1")
        #expect(try fdb(node, "port1") == [FDBRow(mac: "52:54:00:00:01:01", master: "evpn---blue-1", flags: [], state: "static")])
        #expect(driver.describe(externalID: id)["vxlan_if"] == "vxlan--blue-1")

        let remote: [DataplaneIntent] = [
            .addFloodEntry(externalID: id, vtep: vtepA, vni: 5010),
            .addFloodEntry(externalID: id, vtep: vtepB, vni: 5020),
            .setRemoteMAC(externalID: id, mac: remoteMAC, vtep: vtepA, vni: 5010),
            .setNeighbour(externalID: id, ip: IPAddress("203.0.113.20")!, mac: remoteMAC),
        ]
        #expect(driver.apply(remote) == [])
        #expect(driver.apply(create + remote) == [])           // applying twice is harmless
        let expected: Set<FDBRow> = [
            // `bridge fdb show` omits the VNI when it is the device's own.
            FDBRow(mac: "00:00:00:00:00:00", dst: "198.51.100.12", flags: ["self"], state: "permanent"),
            FDBRow(mac: "00:00:00:00:00:00", dst: "198.51.100.13", vni: 5020, flags: ["self"], state: "permanent"),
            FDBRow(mac: "52:54:00:00:02:02", dst: "198.51.100.12", flags: ["self", "extern_learn"], state: "permanent"),
            FDBRow(mac: "52:54:00:00:02:02", master: "evpn---blue-1", flags: ["extern_learn"], state: ""),
        ]
        let programmed = try fdb(node, "vxlan--blue-1")
        #expect(programmed == expected, "\(programmed)")
        let neighbours = try node.json(["ip", "-j", "neigh", "show", "dev", "evpn---blue-1"])   // where neigh_suppress looks
        #expect(neighbours.count == 1)
        #expect(neighbours.first?["dst"] as? String == "203.0.113.20")
        #expect(neighbours.first?["lladdr"] as? String == "52:54:00:00:02:02")
        #expect(neighbours.first?["state"] as? [String] == ["PERMANENT"])

        // A MAC move is one intent; removing the old location afterwards leaves the new one alone.
        #expect(driver.apply([.setRemoteMAC(externalID: id, mac: remoteMAC, vtep: vtepB, vni: 5030),
                              .removeRemoteMAC(externalID: id, mac: remoteMAC, vtep: vtepA, vni: 5010)]) == [])
        var moved = expected
        moved.remove(FDBRow(mac: "52:54:00:00:02:02", dst: "198.51.100.12", flags: ["self", "extern_learn"], state: "permanent"))
        moved.insert(FDBRow(mac: "52:54:00:00:02:02", dst: "198.51.100.13", vni: 5030, flags: ["self", "extern_learn"], state: "permanent"))
        #expect(try fdb(node, "vxlan--blue-1") == moved)

        let removal: [DataplaneIntent] = [
            .removeRemoteMAC(externalID: id, mac: remoteMAC, vtep: vtepB, vni: 5030),
            .removeFloodEntry(externalID: id, vtep: vtepA, vni: 5010),
            .removeNeighbour(externalID: id, ip: IPAddress("203.0.113.20")!, mac: remoteMAC),
        ]
        #expect(driver.apply(removal) == [])
        #expect(driver.apply(removal) == [])                   // removing twice is harmless
        #expect(try fdb(node, "vxlan--blue-1") ==
                [FDBRow(mac: "00:00:00:00:00:00", dst: "198.51.100.13", vni: 5020, flags: ["self"], state: "permanent")])
        #expect(try node.json(["ip", "-j", "neigh", "show", "dev", "evpn---blue-1"]).isEmpty)

        #expect(driver.apply([.unplugPort(externalID: id, interface: "port1", mac: localMAC)]) == [])
        #expect(try node.links("port1").first?["master"] == nil)
        #expect(try fdb(node, "port1").isEmpty)
        #expect(driver.apply([.deleteInstance(externalID: id), .deleteInstance(externalID: id)]) == [])
        #expect(try ourLinks(node).isEmpty)
        #expect(try node.links().compactMap { $0["ifname"] as? String }.sorted() == ["lo", "port1", "ul0", "ul1"])
    }

    @Test func errorsNameTheInterfaceAndReportKernelRefusals() throws {
        let (node, container, driver) = try makeNode()
        defer { node.remove(); container.remove() }
        let id = "red"
        #expect(driver.apply([.createInstance(InstanceSpec(externalID: id, vni: 77))]) == [])

        let missing = driver.apply([.plugPort(externalID: id, interface: "nosuch0", mac: localMAC)])
        #expect(missing.count == 1)
        #expect(missing.first?.reason.contains("nosuch0") == true)
        // What lets the daemon refuse such an attach up front, looked up in the driver's namespace
        // (port1 exists only there, not in the test's own namespace).
        #expect(driver.portExists("nosuch0") == false)
        #expect(driver.portExists("port1"))

        // The bridge refuses an all-zero MAC for a unicast entry: reported for that intent only,
        // while the intents around it in the same batch take effect.
        let mixed: [DataplaneIntent] = [
            .addFloodEntry(externalID: id, vtep: vtepA, vni: 77),
            .setRemoteMAC(externalID: id, mac: .zero, vtep: vtepA, vni: 77),
            .setRemoteMAC(externalID: id, mac: remoteMAC, vtep: vtepA, vni: 77),
        ]
        let refused = driver.apply(mixed)
        #expect(refused.map(\.intent) == [mixed[1]])
        #expect(refused.first?.reason.contains("kernel refused") == true)
        #expect(refused.first?.reason.contains("vxlan--red") == true)
        #expect(try fdb(node, "vxlan--red").contains(
            FDBRow(mac: "52:54:00:00:02:02", dst: "198.51.100.12", flags: ["self", "extern_learn"], state: "permanent")))

        let tooLarge = driver.apply([.createInstance(InstanceSpec(externalID: "big", vni: 1 << 24))])
        #expect(tooLarge.count == 1)
        #expect(tooLarge.first?.reason.contains("VNI 16777216 out of range") == true)
        #expect(try node.links("evpn---big").isEmpty && node.links("vxlan--big").isEmpty)

        let unknown = driver.apply([.addFloodEntry(externalID: "nobody", vtep: vtepA, vni: 1)])
        #expect(unknown.first?.reason.contains("unknown instance nobody") == true)

        let existing = driver.apply([.createInstance(InstanceSpec(externalID: "green", vni: 78, existingBridge: "nobr0"))])
        #expect(existing.first?.reason.contains("nobr0") == true)
        #expect(driver.removeAll() == [])
        #expect(try ourLinks(node).isEmpty)
    }

    @Test func reconcileAdoptsOursAndRemoveAllLeavesOthersAlone() throws {
        let (node, container, first) = try makeNode()
        defer { node.remove(); container.remove() }
        try node.exec(["ip", "link", "add", "vxlan--foreign", "type", "vxlan", "id", "900", "dstport", "4789"])
        try node.exec(["ip", "link", "add", "evpn---foreign", "type", "bridge"])
        let keep = InstanceSpec(externalID: "keep", vni: 10), drop = InstanceSpec(externalID: "drop", vni: 11)
        #expect(first.apply([.createInstance(keep), .createInstance(drop),
                             .plugPort(externalID: "keep", interface: "port1", mac: localMAC),
                             .setRemoteMAC(externalID: "keep", mac: remoteMAC, vtep: vtepA, vni: 10)]) == [])
        let before = try node.links("vxlan--keep").first?["ifindex"] as? Int

        // A restart: a new driver finds the devices by their alias and keeps them (and their entries).
        let second = try LinuxVXLANDriver(configuration: .init(localAddress: IPAddress("198.51.100.11")!,
                                                               networkNamespacePath: node.path))
        // Ours only (the foreign devices carry no marker): what sets the graceful restart F bit.
        #expect(second.instancesLeftByPreviousRun() == ["keep", "drop"])
        #expect(second.reconcile(wanted: [keep]) == [])
        #expect(try node.links("vxlan--keep").first?["ifindex"] as? Int == before)
        #expect(try node.links("port1").first?["master"] as? String == "evpn---keep")
        #expect(try node.links("vxlan--drop").isEmpty)
        #expect(try fdb(node, "vxlan--keep").contains(
            FDBRow(mac: "52:54:00:00:02:02", dst: "198.51.100.12", flags: ["self", "extern_learn"], state: "permanent")))
        #expect(second.describe(externalID: "keep")["linux_bridge"] == "evpn---keep")
        #expect(second.apply([.removeRemoteMAC(externalID: "keep", mac: remoteMAC, vtep: vtepA, vni: 10)]) == [])
        #expect(try fdb(node, "vxlan--keep").isEmpty)

        #expect(second.removeAll() == [])
        #expect(try ourLinks(node).isEmpty)
        let left = Set(try node.links().compactMap { $0["ifname"] as? String })
        #expect(left == ["lo", "ul0", "ul1", "port1", "vxlan--foreign", "evpn---foreign"])
    }

    /// After a restart the routes are learnt again; what was withdrawn meanwhile must not stay in the
    /// kernel: flood entries, remote MACs and neighbours that are not wanted any more go, the rest stays.
    @Test func staleRemoteEntriesAreRemovedAndWantedOnesKept() throws {
        let (node, container, first) = try makeNode()
        defer { node.remove(); container.remove() }
        let spec = InstanceSpec(externalID: "sweep", vni: 30)
        let goneMAC = MACAddress("52:54:00:00:02:03")!
        let keptIP = IPAddress("203.0.113.20")!, goneIP = IPAddress("203.0.113.30")!
        let kept: [DataplaneIntent] = [
            .addFloodEntry(externalID: "sweep", vtep: vtepA, vni: 30),
            .setRemoteMAC(externalID: "sweep", mac: remoteMAC, vtep: vtepA, vni: 30),
            .setNeighbour(externalID: "sweep", ip: keptIP, mac: remoteMAC),
        ]
        #expect(first.apply([.createInstance(spec)] + kept + [
            .addFloodEntry(externalID: "sweep", vtep: vtepB, vni: 31),
            .addFloodEntry(externalID: "sweep", vtep: vtepA, vni: 31),      // a wanted VTEP, another VNI: stale
            .setRemoteMAC(externalID: "sweep", mac: goneMAC, vtep: vtepB, vni: 31),
            .setNeighbour(externalID: "sweep", ip: goneIP, mac: goneMAC),
        ]) == [])

        let restarted = try LinuxVXLANDriver(configuration: .init(localAddress: IPAddress("198.51.100.11")!,
                                                                  networkNamespacePath: node.path))
        #expect(restarted.reconcile(wanted: [spec]) == [])
        #expect(restarted.removeStaleEntries(externalID: "sweep", keeping: kept) == [])
        let rows = try fdb(node, "vxlan--sweep")
        #expect(rows == [
            FDBRow(mac: "00:00:00:00:00:00", dst: "198.51.100.12", flags: ["self"], state: "permanent"),
            FDBRow(mac: "52:54:00:00:02:02", dst: "198.51.100.12", flags: ["self", "extern_learn"], state: "permanent"),
            FDBRow(mac: "52:54:00:00:02:02", master: "evpn---sweep", flags: ["extern_learn"], state: ""),
        ], "\(rows)")
        let neighbours = try node.json(["ip", "-j", "neigh", "show", "dev", "evpn---sweep"])
        #expect(neighbours.compactMap { $0["dst"] as? String } == ["203.0.113.20"])
        #expect(restarted.removeAll() == [])
    }

    @Test func idsThatCollideAfterTheCutGetDistinctDevices() throws {
        let (node, container, driver) = try makeNode()
        defer { node.remove(); container.remove() }
        let a = InstanceSpec(externalID: "tenant-network-a", vni: 21), b = InstanceSpec(externalID: "tenant-network-b", vni: 22)
        #expect(driver.apply([.createInstance(a), .createInstance(b)]) == [])
        #expect(driver.describe(externalID: a.externalID)["vxlan_if"] == "vxlan--tenant-n")
        let hashed = DeviceNaming.hashedName(prefix: "vxlan--", id: b.externalID)
        #expect(driver.describe(externalID: b.externalID)["vxlan_if"] == hashed)
        #expect(try node.links(hashed).first?["ifalias"] as? String == "swift-bagpipe:tenant-network-b")
        #expect(driver.apply([.createInstance(b)]) == [])      // the mapping is stable
        #expect(driver.describe(externalID: b.externalID)["vxlan_if"] == hashed)
        #expect(driver.removeAll() == [])
    }

    @Test func arpProxyAndMTUAreConfigurable() throws {
        let node = try TestNamespace("p")
        defer { node.remove() }
        let driver = try LinuxVXLANDriver(configuration: .init(localAddress: IPAddress("198.51.100.11")!, vxlanPort: 8472,
                                                               mtu: 1400, arpSuppression: .vxlanProxy, networkNamespacePath: node.path))
        #expect(driver.apply([.createInstance(InstanceSpec(externalID: "proxy", vni: 40)),
                              .setNeighbour(externalID: "proxy", ip: IPAddress("203.0.113.20")!, mac: remoteMAC)]) == [])
        let vxlan = try #require(try node.links("vxlan--proxy").first)
        let info = try #require((vxlan["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any])
        #expect(info["proxy"] as? Bool == true)
        #expect(((vxlan["linkinfo"] as? [String: Any])?["info_slave_data"] as? [String: Any])?["neigh_suppress"] as? Bool == false)
        // BaGPipe's way: the vxlan device's proxy looks in its own neighbour table.
        #expect(try node.json(["ip", "-j", "neigh", "show", "dev", "vxlan--proxy"]).count == 1)
        #expect(info["port"] as? Int == 8472)
        #expect(vxlan["mtu"] as? Int == 1400)
        #expect(driver.removeAll() == [])
    }

    @Test func learnsMACsThatAppearOnPluggedPorts() throws {
        let (node, container, driver) = try makeNode()
        defer { node.remove(); container.remove() }
        let events = Mutex<[LocalMACEvent]>([])
        driver.onLocalMAC = { event in events.withLock { $0.append(event) } }
        #expect(driver.apply([.createInstance(InstanceSpec(externalID: "learn", vni: 30)),
                              .plugPort(externalID: "learn", interface: "port1", mac: localMAC)]) == [])
        let vmMAC = MACAddress("52:54:00:00:03:03")!
        try container.exec(["ip", "link", "set", "eth0", "address", vmMAC.description, "up"])
        try container.exec(["ip", "addr", "add", "203.0.113.10/24", "dev", "eth0"])
        let appeared = LocalMACEvent(externalID: "learn", interface: "port1", mac: vmMAC, appeared: true)
        #expect(eventually {
            _ = try? container.exec(["ping", "-c", "1", "-W", "0.2", "203.0.113.99"])   // sends ARP from vmMAC
            return events.withLock { $0.contains(appeared) }
        })
        try node.exec(["bridge", "fdb", "del", vmMAC.description, "dev", "port1", "master"])
        let gone = LocalMACEvent(externalID: "learn", interface: "port1", mac: vmMAC, appeared: false)
        #expect(eventually { events.withLock { $0.contains(gone) } })
        #expect(events.withLock { $0.allSatisfy { $0.mac == vmMAC } })   // not the pinned nor the port's own MAC
        #expect(driver.removeAll() == [])
    }

    /// The kernel sends events only on change: after a restart, MACs learned before are replayed.
    @Test func learnedMACsAreReportedAgainAfterARestart() throws {
        let (node, container, first) = try makeNode()
        defer { node.remove(); container.remove() }
        let spec = InstanceSpec(externalID: "replay", vni: 50)
        #expect(first.apply([.createInstance(spec), .plugPort(externalID: "replay", interface: "port1", mac: localMAC)]) == [])
        try container.exec(["ip", "link", "set", "eth0", "up"])
        #expect(try eventually { try forwarding(node, "port1") })   // dynamic entries need a forwarding port
        let vmMAC = MACAddress("52:54:00:00:03:03")!
        try node.exec(["bridge", "fdb", "replace", vmMAC.description, "dev", "port1", "master", "dynamic"])

        let restarted = try LinuxVXLANDriver(configuration: .init(localAddress: IPAddress("198.51.100.11")!,
                                                                  networkNamespacePath: node.path))
        let events = Mutex<[LocalMACEvent]>([])
        restarted.onLocalMAC = { event in events.withLock { $0.append(event) } }
        #expect(restarted.reconcile(wanted: [spec]) == [])
        let appeared = LocalMACEvent(externalID: "replay", interface: "port1", mac: vmMAC, appeared: true)
        #expect(eventually { events.withLock { $0.contains(appeared) } })
        // Exactly once, and not the pinned MAC (the container's own MAC may be learned from its traffic).
        #expect(events.withLock { $0.filter { $0.mac != container0MAC(container) } } == [appeared], "\(events.withLock { $0 })")
        #expect(restarted.localMACOverruns == 0)
        #expect(restarted.removeAll() == [])
    }

    /// Unplugging flushes the port's FDB entries; their MACs are reported gone.
    @Test func unpluggingReportsTheMACsLearnedOnThePortAsGone() throws {
        let (node, container, driver) = try makeNode()
        defer { node.remove(); container.remove() }
        let events = Mutex<[LocalMACEvent]>([])
        driver.onLocalMAC = { event in events.withLock { $0.append(event) } }
        #expect(driver.apply([.createInstance(InstanceSpec(externalID: "unplug", vni: 51)),
                              .plugPort(externalID: "unplug", interface: "port1", mac: localMAC)]) == [])
        try container.exec(["ip", "link", "set", "eth0", "up"])
        #expect(try eventually { try forwarding(node, "port1") })   // dynamic entries need a forwarding port
        let vmMAC = MACAddress("52:54:00:00:03:03")!
        try node.exec(["bridge", "fdb", "replace", vmMAC.description, "dev", "port1", "master", "dynamic"])
        let appeared = LocalMACEvent(externalID: "unplug", interface: "port1", mac: vmMAC, appeared: true)
        #expect(eventually { events.withLock { $0.contains(appeared) } })
        #expect(driver.apply([.unplugPort(externalID: "unplug", interface: "port1", mac: localMAC)]) == [])
        let gone = LocalMACEvent(externalID: "unplug", interface: "port1", mac: vmMAC, appeared: false)
        #expect(eventually { events.withLock { $0.contains(gone) } })
        #expect(events.withLock { $0.filter { $0.mac == vmMAC } } == [appeared, gone], "\(events.withLock { $0 })")
        #expect(driver.removeAll() == [])
    }

    /// The MAC of the container's eth0 (its IPv6 traffic makes the bridge learn it).
    func container0MAC(_ container: TestNamespace) -> MACAddress? {
        (try? container.links("eth0").first?["address"] as? String).flatMap { $0.flatMap { MACAddress($0) } }
    }
}
