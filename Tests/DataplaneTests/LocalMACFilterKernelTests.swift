import Dataplane
import Dispatch
import Foundation
import NetAddress
import Synchronization
import TestSupport
import Testing
@testable import LinuxDataplane

/// The listener's socket filter against the real kernel (needs root; CI is root).
@Suite(.enabled(if: canUseKernel, "needs root (network namespaces)"))
struct LocalMACFilterKernelTests {
    /// 3 × 40 neighbour changes the listener has no use for (remote entries on the vxlan device,
    /// extern_learn entries on the bridge, IP neighbours) never reach its socket; the learned entry
    /// that follows them does.
    @Test func onlyLearnedBridgeEntriesReachTheListener() throws {
        let node = try TestNamespace("f")
        defer { node.remove() }
        try node.exec(["ip", "link", "add", "br0", "type", "bridge"])
        try node.exec(["ip", "link", "add", "vx0", "type", "vxlan", "id", "10", "dstport", "4789",
                       "local", "198.51.100.1", "nolearning"])
        try node.exec(["ip", "link", "add", "port1", "type", "veth", "peer", "name", "peer1"])
        for port in ["vx0", "port1"] { try node.exec(["ip", "link", "set", port, "master", "br0"]) }
        for device in ["br0", "vx0", "port1", "peer1"] { try node.exec(["ip", "link", "set", device, "up"]) }
        #expect(try eventually { try forwarding(node, "port1") })
        let queue = DispatchQueue(label: "filter-test")
        let listener = try NetworkNamespace.perform(in: node.path) { try LocalMACListener(queue: queue) }
        defer { listener.stop() }
        let events = Mutex<[LocalMACEvent]>([])
        listener.handler = { event in events.withLock { $0.append(event) } }
        let index = try #require(try node.links("port1").first?["ifindex"] as? Int)
        listener.register(index: Int32(index), port: .init(externalID: "f", name: "port1"))

        let unwanted = (0..<40).flatMap { number -> [String] in
            let mac = MACAddress(rawValue: 0x5254_0020_0000 + UInt64(number))
            let other = MACAddress(rawValue: 0x5254_0030_0000 + UInt64(number))
            return ["fdb add \(mac) dev vx0 self dst 198.51.100.2\n", "fdb add \(other) dev vx0 master extern_learn\n"]
        }
        let batch = FileManager.default.temporaryDirectory.appendingPathComponent("filter-\(getpid()).batch")
        defer { try? FileManager.default.removeItem(at: batch) }
        try unwanted.joined().write(to: batch, atomically: true, encoding: .utf8)
        try node.exec(["bridge", "-batch", batch.path])
        for number in 0..<40 {
            try node.exec(["ip", "neigh", "add", "192.0.2.\(number + 1)", "lladdr", "52:54:00:40:00:\(String(format: "%02x", number))",
                           "dev", "br0", "nud", "permanent"])
        }
        let learned = MACAddress("52:54:00:50:00:01")!
        try node.exec(["bridge", "fdb", "add", learned.description, "dev", "port1", "master", "dynamic"])

        let expected = LocalMACEvent(externalID: "f", interface: "port1", mac: learned, appeared: true)
        #expect(eventually { events.withLock { $0.contains(expected) } })
        // The learned entry, and whatever the bridge learned from peer1's own traffic, got
        // through; none of the 120 others did (without the filter this count is at least 121).
        #expect(listener.notifications >= 1 && listener.notifications < 20, "\(listener.notifications) notifications read")
    }
}
