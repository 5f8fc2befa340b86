import CMnl
import CSupport
import Dataplane
import Dispatch
import Glibc
import NetAddress
import Synchronization

/// Learns the MACs that appear on plugged ports from the kernel's RTNLGRP_NEIGH events (bridge
/// FDB entries the bridge learned from traffic), so the EVPN layer can advertise them
/// (RFC 7432 §7.2). Reads its own netlink socket on its own serial queue; the handlers are called
/// on that queue. A socket filter drops every other neighbour notification in the kernel.
///
/// Events lost to a receive-buffer overrun (ENOBUFS) are counted, reported to `warningHandler`
/// and recovered by `resynchronise`: a bridge FDB dump compared with what was learned.
final class LocalMACListener: @unchecked Sendable {
    /// A plugged port: which instance it belongs to and its name.
    struct Port: Hashable, Sendable {
        var externalID: String
        var name: String
    }

    /// Large enough for the RTM_NEWNEIGH burst of a bulk FDB programming (one event per entry).
    static let receiveBuffer: Int32 = 8 << 20

    private struct State {
        var ports: [Int32: Port] = [:]
        /// Learned MAC → port ifindex, per bridge, so a move is reported as gone-then-appeared.
        var learned: [Int32: [MACAddress: Int32]] = [:]
        var handler: (@Sendable (LocalMACEvent) -> Void)?
        var warningHandler: (@Sendable (String) -> Void)?
    }

    private let state = Mutex(State())
    private let overrunCount = Atomic<Int>(0)
    private let notificationCount = Atomic<Int>(0)
    private let socket: OpaquePointer
    /// For FDB dumps; used on `queue` only.
    private let dumper: NeighbourSocket
    private let queue: DispatchQueue
    private let source: DispatchSourceRead
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)

    /// Opens the sockets in the calling thread's namespace and starts listening.
    init(queue: DispatchQueue, receiveBuffer: Int32 = LocalMACListener.receiveBuffer) throws {
        let dumper = try NeighbourSocket()
        guard let socket = mnl_socket_open(NETLINK_ROUTE) else {
            throw LinuxDataplaneError.system(operation: "mnl_socket_open (neighbour events)", errno: errno)
        }
        guard mnl_socket_bind(socket, UInt32(1) << (RTNLGRP_NEIGH.rawValue - 1), pid_t(MNL_SOCKET_AUTOPID)) == 0 else {
            let error = errno
            mnl_socket_close(socket)
            throw LinuxDataplaneError.system(operation: "bind RTNLGRP_NEIGH", errno: error)
        }
        let fd = mnl_socket_get_fd(socket)
        // Only learned bridge entries matter: during a bulk programming of remote entries, this
        // keeps the kernel from copying a million notifications we would discard.
        guard csupport_attach_learned_fdb_filter(fd) == 0 else {
            let error = errno
            mnl_socket_close(socket)
            throw LinuxDataplaneError.system(operation: "attach the learned-FDB socket filter", errno: error)
        }
        var size = receiveBuffer
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, 4) != 0 {   // needs CAP_NET_ADMIN
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, 4)           // capped by net.core.rmem_max
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        self.socket = socket
        self.dumper = dumper
        self.queue = queue
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { self.drain() }   // the cycle ends when `stop()` cancels the source
        source.setCancelHandler { mnl_socket_close(socket) }
        source.activate()
    }

    /// Stops listening; the socket is closed once the source is cancelled.
    func stop() { source.cancel() }

    var handler: (@Sendable (LocalMACEvent) -> Void)? {
        get { state.withLock { $0.handler } }
        set { state.withLock { $0.handler = newValue } }
    }

    /// Called with a message when events were lost (and how the resynchronisation went).
    var warningHandler: (@Sendable (String) -> Void)? {
        get { state.withLock { $0.warningHandler } }
        set { state.withLock { $0.warningHandler = newValue } }
    }

    /// Receive-buffer overruns (ENOBUFS) seen so far.
    var overruns: Int { overrunCount.load(ordering: .relaxed) }

    /// Neighbour notifications that passed the socket filter and were read so far.
    var notifications: Int { notificationCount.load(ordering: .relaxed) }

    func register(index: Int32, port: Port) { state.withLock { $0.ports[index] = port } }

    /// Forgets the port and reports every MAC learned on it as gone: detaching a port makes the
    /// kernel flush its FDB entries, and those events arrive when the port is no longer known.
    func unregister(index: Int32) {
        deliver(state.withLock { state in
            guard let port = state.ports.removeValue(forKey: index) else { return [] }
            return Self.forget(ports: [index], in: &state).map {
                LocalMACEvent(externalID: port.externalID, interface: port.name, mac: $0.mac, appeared: false)
            }
        })
    }

    /// Forgets the ports of a deleted instance (and their learned MACs) without events.
    func unregister(externalID: String) {
        state.withLock { state in
            let gone = Set(state.ports.filter { $0.value.externalID == externalID }.keys)
            state.ports = state.ports.filter { !gone.contains($0.key) }
            _ = Self.forget(ports: gone, in: &state)
        }
    }

    func unregisterAll() {
        state.withLock { state in
            state.ports.removeAll()
            state.learned.removeAll()
        }
    }

    var ports: [Int32: Port] { state.withLock { $0.ports } }

    /// Removes the learned MACs of `ports`; returns them.
    private static func forget(ports: Set<Int32>, in state: inout State) -> [(port: Int32, mac: MACAddress)] {
        var forgotten: [(port: Int32, mac: MACAddress)] = []
        for (bridge, macs) in state.learned {
            for (mac, port) in macs where ports.contains(port) {
                state.learned[bridge]?[mac] = nil
                forgotten.append((port, mac))
            }
        }
        return forgotten
    }

    /// Calls the handler with `events` on the listener queue, after what it is delivering now.
    private func deliver(_ events: [LocalMACEvent]) {
        guard !events.isEmpty else { return }
        queue.async { for event in events { self.handler?(event) } }
    }

    private func drain() {
        var overrun = false
        while true {
            let received = buffer.withUnsafeMutableBytes { mnl_socket_recvfrom(socket, $0.baseAddress, $0.count) }
            // EAGAIN: drained. ENOBUFS: events were lost; later ones still arrive, keep reading.
            if received < 0 { if errno == ENOBUFS { overrun = true; continue } else { break } }
            if received == 0 { break }
            for message in NetlinkParsing.messages(in: buffer[0..<received]) {
                guard let entry = NeighbourEntry(message) else { continue }
                notificationCount.add(1, ordering: .relaxed)
                for event in events(for: entry) { handler?(event) }
            }
        }
        if overrun { recoverFromOverrun() }
    }

    private func recoverFromOverrun() {
        let count = overrunCount.add(1, ordering: .relaxed).newValue
        let outcome: String
        do {
            outcome = "resynchronised from the bridge FDB (\(try resynchroniseNow()) events)"
        } catch {
            outcome = "resynchronisation failed: \(error)"
        }
        warningHandler?("local MAC events lost (netlink receive buffer overrun #\(count)); \(outcome)")
    }

    /// Compares the bridge FDB with what was learned, on the listener queue, and reports the
    /// differences (after a restart: every learned MAC on the registered ports appears).
    func resynchronise() {
        queue.async {
            do { _ = try self.resynchroniseNow() } catch {
                self.warningHandler?("local MAC resynchronisation failed: \(error)")
            }
        }
    }

    /// Dumps the bridge FDB and delivers the events `synchronise(with:)` finds; returns how many.
    private func resynchroniseNow() throws -> Int {
        let events = synchronise(with: try dumper.dump(family: UInt8(AF_BRIDGE)))
        for event in events { handler?(event) }
        return events.count
    }

    /// The events that bring what was learned in line with a full FDB dump: "gone" for learned
    /// MACs no longer on their port, "appeared" for dynamic entries on registered ports not yet known.
    func synchronise(with dump: [NeighbourEntry]) -> [LocalMACEvent] {
        state.withLock { state in
            var present: [Int32: [MACAddress: Int32]] = [:]
            for entry in dump where !entry.removed && state.ports[entry.interfaceIndex] != nil {
                if let (bridge, mac) = Self.learnedMAC(entry) { present[bridge, default: [:]][mac] = entry.interfaceIndex }
            }
            var events: [LocalMACEvent] = []
            for (bridge, macs) in state.learned {
                for (mac, port) in macs where present[bridge]?[mac] != port {
                    state.learned[bridge]?[mac] = nil
                    if let known = state.ports[port] {
                        events.append(LocalMACEvent(externalID: known.externalID, interface: known.name, mac: mac, appeared: false))
                    }
                }
            }
            for (bridge, macs) in present {
                for (mac, port) in macs where state.learned[bridge]?[mac] != port {
                    state.learned[bridge, default: [:]][mac] = port
                    let known = state.ports[port]!
                    events.append(LocalMACEvent(externalID: known.externalID, interface: known.name, mac: mac, appeared: true))
                }
            }
            return events
        }
    }

    /// Bridge and MAC of an FDB entry the bridge learned from traffic on a port, else nil.
    /// Static, permanent (the port's own address) and our pinned or remote entries are not.
    private static func learnedMAC(_ entry: NeighbourEntry) -> (bridge: Int32, mac: MACAddress)? {
        guard let (bridge, mac) = candidate(entry), entry.state & UInt16(NUD_NOARP | NUD_PERMANENT) == 0 else { return nil }
        return (bridge, mac)
    }

    /// Bridge and MAC of a unicast FDB entry on a bridge port that we did not install as remote.
    private static func candidate(_ entry: NeighbourEntry) -> (bridge: Int32, mac: MACAddress)? {
        guard entry.family == UInt8(AF_BRIDGE), let mac = entry.linkAddress, !mac.isMulticast, mac != .zero,
              entry.flags & UInt8(NTF_EXT_LEARNED) == 0, let bridge = entry.master else { return nil }
        return (bridge, mac)
    }

    /// The events one kernel notification means, given what was learned before.
    func events(for entry: NeighbourEntry) -> [LocalMACEvent] {
        guard let (bridge, mac) = Self.candidate(entry) else { return [] }
        let isLearned = Self.learnedMAC(entry) != nil
        return state.withLock { state in
            var gone: LocalMACEvent?, appeared: LocalMACEvent?
            let previous = state.learned[bridge]?[mac]
            if let previous, previous != entry.interfaceIndex || entry.removed || !isLearned {
                state.learned[bridge]?[mac] = nil
                if let port = state.ports[previous] {
                    gone = LocalMACEvent(externalID: port.externalID, interface: port.name, mac: mac, appeared: false)
                }
            }
            if !entry.removed, isLearned, previous != entry.interfaceIndex, let port = state.ports[entry.interfaceIndex] {
                state.learned[bridge, default: [:]][mac] = entry.interfaceIndex
                appeared = LocalMACEvent(externalID: port.externalID, interface: port.name, mac: mac, appeared: true)
            }
            // A move between two ports is reported as "appeared on the new one" first: the EVPN
            // router then only changes the MAC's port (no withdraw and re-announce), and ignores
            // the "gone" from the old port that follows.
            return [appeared, gone].compactMap { $0 }
        }
    }
}
