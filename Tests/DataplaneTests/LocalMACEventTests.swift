import CMnl
import Dataplane
import Dispatch
import NetAddress
import Synchronization
import Testing
@testable import LinuxDataplane

/// How bridge FDB notifications become `LocalMACEvent`s (opens a netlink socket, needs no root).
struct LocalMACEventTests {
    let vm = MACAddress("52:54:00:00:03:03")!

    func entry(port: Int32, state: Int32 = NUD_REACHABLE, flags: Int32 = NTF_MASTER, removed: Bool = false,
               mac: MACAddress? = nil) -> NeighbourEntry {
        var message = NetlinkParsing.Message(type: UInt16(removed ? RTM_DELNEIGH : RTM_NEWNEIGH), flags: 0, sequence: 0,
                                             payload: [])
        var payload: [UInt8] = [UInt8(AF_BRIDGE), 0, 0, 0]
        payload += (0..<4).map { UInt8(truncatingIfNeeded: UInt32(bitPattern: port) >> (8 * $0)) }
        payload += [UInt8(state & 0xFF), UInt8(state >> 8), UInt8(flags), 0]
        payload += [10, 0, UInt8(NDA_LLADDR), 0] + (mac ?? vm).bytes + [0, 0]
        payload += [8, 0, UInt8(NDA_MASTER), 0, 5, 0, 0, 0]   // bridge ifindex 5
        message.payload = payload[...]
        return NeighbourEntry(message)!
    }

    @Test func reportsLearnedMACsOnPluggedPortsOnce() throws {
        let listener = try LocalMACListener(queue: DispatchQueue(label: "test"))
        defer { listener.stop() }
        listener.register(index: 7, port: .init(externalID: "blue", name: "tap7"))
        listener.register(index: 8, port: .init(externalID: "blue", name: "tap8"))
        let appeared7 = LocalMACEvent(externalID: "blue", interface: "tap7", mac: vm, appeared: true)
        #expect(listener.events(for: entry(port: 7)) == [appeared7])
        #expect(listener.events(for: entry(port: 7)).isEmpty)                    // refresh: nothing new
        // A move between ports: appeared on the new one first (the router then only moves the MAC),
        // then gone from the old one.
        #expect(listener.events(for: entry(port: 8)) ==
                [LocalMACEvent(externalID: "blue", interface: "tap8", mac: vm, appeared: true),
                 LocalMACEvent(externalID: "blue", interface: "tap7", mac: vm, appeared: false)])
        #expect(listener.events(for: entry(port: 8, removed: true)) ==
                [LocalMACEvent(externalID: "blue", interface: "tap8", mac: vm, appeared: false)])
    }

    @Test func ignoresStaticRemoteMulticastAndUnpluggedEntries() throws {
        let listener = try LocalMACListener(queue: DispatchQueue(label: "test"))
        defer { listener.stop() }
        listener.register(index: 7, port: .init(externalID: "blue", name: "tap7"))
        #expect(listener.events(for: entry(port: 7, state: NUD_NOARP)).isEmpty)            // pinned by plugPort
        #expect(listener.events(for: entry(port: 7, state: NUD_PERMANENT)).isEmpty)        // the port's own
        #expect(listener.events(for: entry(port: 7, flags: NTF_MASTER | NTF_EXT_LEARNED)).isEmpty)   // remote
        #expect(listener.events(for: entry(port: 7, mac: MACAddress("33:33:00:00:00:01")!)).isEmpty)
        #expect(listener.events(for: entry(port: 9)).isEmpty)                              // not plugged
        listener.unregister(externalID: "blue")
        #expect(listener.events(for: entry(port: 7)).isEmpty)
    }

    /// After lost events (overrun) or a restart: a dump is compared with what was learned.
    @Test func resynchronisingReportsMissedAppearancesAndDisappearances() throws {
        let listener = try LocalMACListener(queue: DispatchQueue(label: "test"))
        defer { listener.stop() }
        listener.register(index: 7, port: .init(externalID: "blue", name: "tap7"))
        listener.register(index: 8, port: .init(externalID: "blue", name: "tap8"))
        let other = MACAddress("52:54:00:00:03:04")!, moved = MACAddress("52:54:00:00:03:05")!
        _ = listener.events(for: entry(port: 7))                  // vm: learned, then lost without an event
        _ = listener.events(for: entry(port: 7, mac: moved))      // moved: on tap7, then moved to tap8
        let dump = [entry(port: 7, mac: other), entry(port: 8, mac: moved),
                    entry(port: 7, state: NUD_NOARP, mac: MACAddress("52:54:00:00:03:06")!),   // static
                    entry(port: 9, mac: MACAddress("52:54:00:00:03:07")!)]                     // not plugged
        #expect(Set(listener.synchronise(with: dump)) == [
            LocalMACEvent(externalID: "blue", interface: "tap7", mac: vm, appeared: false),
            LocalMACEvent(externalID: "blue", interface: "tap7", mac: moved, appeared: false),
            LocalMACEvent(externalID: "blue", interface: "tap7", mac: other, appeared: true),
            LocalMACEvent(externalID: "blue", interface: "tap8", mac: moved, appeared: true),
        ])
        #expect(listener.synchronise(with: dump).isEmpty)           // in line now: nothing to report
        #expect(listener.events(for: entry(port: 7, mac: other)).isEmpty)
    }

    /// Detaching a port flushes its FDB entries after the port is unregistered; the events come
    /// from `unregister(index:)` instead.
    @Test func unregisteringAPortReportsItsLearnedMACsGone() throws {
        let queue = DispatchQueue(label: "test")
        let listener = try LocalMACListener(queue: queue)
        defer { listener.stop() }
        let events = Mutex<[LocalMACEvent]>([])
        listener.handler = { event in events.withLock { $0.append(event) } }
        listener.register(index: 7, port: .init(externalID: "blue", name: "tap7"))
        listener.register(index: 8, port: .init(externalID: "blue", name: "tap8"))
        let other = MACAddress("52:54:00:00:03:04")!
        _ = listener.events(for: entry(port: 7))
        _ = listener.events(for: entry(port: 8, mac: other))
        listener.unregister(index: 7)
        queue.sync {}                                               // delivered on the listener queue
        #expect(events.withLock { $0 } == [LocalMACEvent(externalID: "blue", interface: "tap7", mac: vm, appeared: false)])
        #expect(listener.events(for: entry(port: 7, removed: true)).isEmpty)   // the kernel's flush: no repeat
        listener.unregister(externalID: "blue")                     // instance deleted: forgotten, no events
        queue.sync {}
        #expect(events.withLock { $0.count } == 1)
        listener.register(index: 8, port: .init(externalID: "blue", name: "tap8"))
        #expect(listener.events(for: entry(port: 8, mac: other)).count == 1)   // learned afresh
    }
}
