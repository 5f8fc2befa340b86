import Dataplane
import Foundation
import LinuxDataplane
import NetAddress
import TestSupport
import Testing

/// Two nodes, each with its own driver and vxlan device over a veth underlay (198.51.100.0/24), and
/// one container each (203.0.113.0/24, made by `NetnsPort`): the containers ping each other across
/// VXLAN with remote entries programmed by hand (no BGP). Node 2 answers ARP as BaGPipe does
/// (`proxy` on its vxlan device, which also drops every ARP reply it would tunnel), so node 1 must
/// answer its container's ARP itself: `neigh_suppress` on its vxlan bridge port (interop.md gotcha 4;
/// with `arpSuppression: .none` on node 1 this test fails).
@Suite(.enabled(if: canUseKernel, "needs root (network namespaces)"))
struct VXLANPingTests {
    @Test func containersPingAcrossVXLAN() throws {
        let node1 = try TestNamespace("n1"), node2 = try TestNamespace("n2")
        let container1 = "dpt\(getpid())-c1", container2 = "dpt\(getpid())-c2"
        defer {
            node1.remove(); node2.remove()
            for name in [container1, container2] { _ = try? run(["ip", "netns", "del", name]) }
        }
        try run(["ip", "link", "add", "ul0", "netns", node1.name, "type", "veth", "peer", "name", "ul0", "netns", node2.name])
        for (node, address) in [(node1, "198.51.100.11/24"), (node2, "198.51.100.12/24")] {
            try node.exec(["ip", "addr", "add", address, "dev", "ul0"])
            try node.exec(["ip", "link", "set", "ul0", "up"])
        }
        let vtep1 = IPAddress("198.51.100.11")!, vtep2 = IPAddress("198.51.100.12")!
        let gateway = IPAddress("203.0.113.254")!
        let mac1 = MACAddress("52:54:00:c1:00:01")!

        // The helper creates the container namespaces itself; the outside ends stay in the nodes.
        let port1 = try NetnsPort.create(namespace: container1, mac: mac1, address: IPPrefix("203.0.113.10/24")!,
                                         gateway: gateway, networkNamespacePath: node1.path)
        let port2 = try NetnsPort.create(namespace: container2, address: IPPrefix("203.0.113.20/24")!,
                                         gateway: gateway, networkNamespacePath: node2.path)
        #expect(port1.mac == mac1)
        #expect(port1.outsideInterface == String("ns-\(container1)".prefix(15)))
        let inside = try run(["ip", "netns", "exec", container2, "ip", "-j", "-d", "link", "show", "dev", "tovpn"])
        #expect(inside.contains("\"mtu\":1420"))
        #expect(inside.contains("\"address\":\"\(port2.mac)\""))
        let route = try run(["ip", "netns", "exec", container2, "ip", "route", "show", "default"])
        #expect(route.contains("default via 203.0.113.254 dev tovpn"))
        let outside = try node2.links(port2.outsideInterface).first
        #expect(outside?["mtu"] as? Int == 9000)
        #expect((outside?["flags"] as? [String])?.contains("UP") == true)

        // Different VNIs per node, as BaGPipe allocates them: each entry carries the remote VNI.
        let driver1 = try LinuxVXLANDriver(configuration: .init(localAddress: vtep1, networkNamespacePath: node1.path))
        let driver2 = try LinuxVXLANDriver(configuration: .init(localAddress: vtep2, arpSuppression: .vxlanProxy,
                                                                networkNamespacePath: node2.path))
        let id = "ping"
        #expect(driver1.apply([
            .createInstance(InstanceSpec(externalID: id, vni: 100)),
            .plugPort(externalID: id, interface: port1.outsideInterface, mac: port1.mac),
            .addFloodEntry(externalID: id, vtep: vtep2, vni: 200),
            .setRemoteMAC(externalID: id, mac: port2.mac, vtep: vtep2, vni: 200),
            .setNeighbour(externalID: id, ip: IPAddress("203.0.113.20")!, mac: port2.mac),
        ]) == [])
        #expect(driver2.apply([
            .createInstance(InstanceSpec(externalID: id, vni: 200)),
            .plugPort(externalID: id, interface: port2.outsideInterface, mac: port2.mac),
            .addFloodEntry(externalID: id, vtep: vtep1, vni: 100),
            .setRemoteMAC(externalID: id, mac: port1.mac, vtep: vtep1, vni: 100),
            .setNeighbour(externalID: id, ip: IPAddress("203.0.113.10")!, mac: port1.mac),
        ]) == [])
        #expect(try node1.links("vxlan--ping").first?["mtu"] as? Int == 1450)   // veth underlay 1500 − 50

        // Bridge ports forward at once (STP off); poll rather than sleep.
        #expect(eventually(timeout: 15) {
            (try? run(["ip", "netns", "exec", container1, "ping", "-c", "1", "-W", "1", "203.0.113.20"])) != nil
        })
        try run(["ip", "netns", "exec", container2, "ping", "-c", "3", "-i", "0.2", "-W", "1", "203.0.113.10"])

        // The veth goes away on request; the namespace stays.
        try NetnsPort.remove(namespace: container1, networkNamespacePath: node1.path)
        #expect(try node1.links(port1.outsideInterface).isEmpty)
        #expect(driver1.removeAll() == [] && driver2.removeAll() == [])
    }
}
