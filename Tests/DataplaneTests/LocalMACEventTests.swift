import CMnl
import Dataplane
import Dispatch
import NetAddress
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
        // A move between ports: gone from one, appeared on the other.
        #expect(listener.events(for: entry(port: 8)) ==
                [LocalMACEvent(externalID: "blue", interface: "tap7", mac: vm, appeared: false),
                 LocalMACEvent(externalID: "blue", interface: "tap8", mac: vm, appeared: true)])
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
}
