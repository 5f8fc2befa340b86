import CMnl
import Dataplane
import Dispatch
import Glibc
import NetAddress
import Synchronization

/// Learns the MACs that appear on plugged ports from the kernel's RTNLGRP_NEIGH events (bridge
/// FDB entries the bridge learned from traffic), so the EVPN layer can advertise them
/// (RFC 7432 §7.2). Reads its own netlink socket on its own serial queue; the handler is called
/// on that queue.
final class LocalMACListener: @unchecked Sendable {
    /// A plugged port: which instance it belongs to and its name.
    struct Port: Hashable, Sendable {
        var externalID: String
        var name: String
    }

    private struct State {
        var ports: [Int32: Port] = [:]
        /// Learned MAC → port ifindex, per bridge, so a move is reported as gone-then-appeared.
        var learned: [Int32: [MACAddress: Int32]] = [:]
        var handler: (@Sendable (LocalMACEvent) -> Void)?
    }

    private let state = Mutex(State())
    private let socket: OpaquePointer
    private let source: DispatchSourceRead
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)

    /// Opens the socket in the calling thread's namespace and starts listening.
    init(queue: DispatchQueue) throws {
        guard let socket = mnl_socket_open(NETLINK_ROUTE) else {
            throw LinuxDataplaneError.system(operation: "mnl_socket_open (neighbour events)", errno: errno)
        }
        guard mnl_socket_bind(socket, UInt32(1) << (RTNLGRP_NEIGH.rawValue - 1), pid_t(MNL_SOCKET_AUTOPID)) == 0 else {
            let error = errno
            mnl_socket_close(socket)
            throw LinuxDataplaneError.system(operation: "bind RTNLGRP_NEIGH", errno: error)
        }
        let fd = mnl_socket_get_fd(socket)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        self.socket = socket
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

    func register(index: Int32, port: Port) { state.withLock { $0.ports[index] = port } }

    func unregister(index: Int32) { state.withLock { $0.ports[index] = nil } }

    func unregister(externalID: String) {
        state.withLock { $0.ports = $0.ports.filter { $0.value.externalID != externalID } }
    }

    func unregisterAll() { state.withLock { $0.ports.removeAll() } }

    var ports: [Int32: Port] { state.withLock { $0.ports } }

    private func drain() {
        while true {
            let received = buffer.withUnsafeMutableBytes { mnl_socket_recvfrom(socket, $0.baseAddress, $0.count) }
            // EAGAIN: drained. ENOBUFS: events were lost; later ones still arrive, keep reading.
            if received < 0 { if errno == ENOBUFS { continue } else { return } }
            if received == 0 { return }
            for message in NetlinkParsing.messages(in: buffer[0..<received]) {
                guard let entry = NeighbourEntry(message) else { continue }
                for event in events(for: entry) { handler?(event) }
            }
        }
    }

    /// The events one kernel notification means, given what was learned before.
    func events(for entry: NeighbourEntry) -> [LocalMACEvent] {
        guard entry.family == UInt8(AF_BRIDGE), let mac = entry.linkAddress, !mac.isMulticast, mac != .zero,
              entry.flags & UInt8(NTF_EXT_LEARNED) == 0, let bridge = entry.master else { return [] }
        // Static, permanent (the port's own address) and our pinned entries are not learned MACs.
        let isLearned = entry.state & UInt16(NUD_NOARP | NUD_PERMANENT) == 0
        return state.withLock { state in
            var events: [LocalMACEvent] = []
            let previous = state.learned[bridge]?[mac]
            if let previous, previous != entry.interfaceIndex || entry.removed || !isLearned {
                state.learned[bridge]?[mac] = nil
                if let port = state.ports[previous] {
                    events.append(LocalMACEvent(externalID: port.externalID, interface: port.name, mac: mac, appeared: false))
                }
            }
            if !entry.removed, isLearned, previous != entry.interfaceIndex, let port = state.ports[entry.interfaceIndex] {
                state.learned[bridge, default: [:]][mac] = entry.interfaceIndex
                events.append(LocalMACEvent(externalID: port.externalID, interface: port.name, mac: mac, appeared: true))
            }
            return events
        }
    }
}
