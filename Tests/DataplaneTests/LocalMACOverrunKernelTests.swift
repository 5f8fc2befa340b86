import Dataplane
import Dispatch
import Foundation
import NetAddress
import Synchronization
import TestSupport
import Testing
@testable import LinuxDataplane

/// Lost neighbour events (a receive-buffer overrun) against the real kernel (needs root; CI is root).
@Suite(.enabled(if: canUseKernel, "needs root (network namespaces)"))
struct LocalMACOverrunKernelTests {
    /// A tiny receive buffer and a blocked listener queue force ENOBUFS while 300 MACs are learned;
    /// the overrun is counted and reported, and the FDB resync reports every one of them.
    @Test func overrunIsCountedReportedAndResynchronised() throws {
        let node = try TestNamespace("o")
        defer { node.remove() }
        try node.exec(["ip", "link", "add", "br0", "type", "bridge"])
        try node.exec(["ip", "link", "add", "port1", "type", "veth", "peer", "name", "peer1"])
        try node.exec(["ip", "link", "set", "port1", "master", "br0"])
        for device in ["br0", "port1", "peer1"] { try node.exec(["ip", "link", "set", device, "up"]) }
        #expect(try eventually { try forwarding(node, "port1") })   // dynamic entries need a forwarding port
        let queue = DispatchQueue(label: "overrun-test")
        let listener = try NetworkNamespace.perform(in: node.path) {
            try LocalMACListener(queue: queue, receiveBuffer: 4096)
        }
        defer { listener.stop() }
        let events = Mutex<[LocalMACEvent]>([]), warnings = Mutex<[String]>([])
        listener.handler = { event in events.withLock { $0.append(event) } }
        listener.warningHandler = { warning in warnings.withLock { $0.append(warning) } }
        let index = try #require(try node.links("port1").first?["ifindex"] as? Int)
        listener.register(index: Int32(index), port: .init(externalID: "o", name: "port1"))

        let macs = (0..<300).map { MACAddress(rawValue: 0x5254_0010_0000 + UInt64($0)) }
        let batch = FileManager.default.temporaryDirectory.appendingPathComponent("overrun-\(getpid()).batch")
        defer { try? FileManager.default.removeItem(at: batch) }
        try macs.map { "fdb add \($0) dev port1 master dynamic\n" }.joined().write(to: batch, atomically: true, encoding: .utf8)
        let gate = DispatchSemaphore(value: 0)
        queue.async { gate.wait() }                    // the listener cannot read meanwhile
        try node.exec(["bridge", "-batch", batch.path])
        gate.signal()

        let expected = Set(macs.map { LocalMACEvent(externalID: "o", interface: "port1", mac: $0, appeared: true) })
        // Ours only: the bridge also learns peer1's own MAC from its IPv6 traffic.
        let ours = { events.withLock { $0.filter { expected.contains($0) } } }
        #expect(eventually { Set(ours()) == expected }, "\(ours().count) events")
        #expect(ours().count == 300)   // each once
        #expect(listener.overruns >= 1)
        #expect(warnings.withLock { $0.first?.contains("overrun") == true }, "\(warnings.withLock { $0 })")
    }
}
