import CMnl
import Glibc

/// The kernel's answer to one request: errno 0 for success, else the errno and the extended-ACK text.
struct NetlinkOutcome: Hashable, Sendable {
    var errno: Int32
    var text: String?

    static let success = NetlinkOutcome(errno: 0, text: nil)
    var succeeded: Bool { errno == 0 }

    var description: String {
        let reason = String(cString: strerror(errno))
        return text.map { "\($0) (\(reason))" } ?? reason
    }
}

/// An rtnetlink socket (libmnl) for neighbour and FDB entries: many requests per `sendto`, one
/// ACK per request (`NLM_F_ACK`, with `NETLINK_CAP_ACK` and `NETLINK_EXT_ACK`), each mapped back by
/// its sequence number, so that a kernel error is reported for the very entry that caused it.
///
/// The socket belongs to the network namespace of the thread that created it.
final class NeighbourSocket {
    /// Requests per `sendto`. Each ACK costs receive-buffer space until read; see `receiveBuffer`.
    static let batchSize = 512
    private static let receiveBuffer: Int32 = 8 << 20

    private let socket: OpaquePointer
    private let portID: UInt32
    private var sequence: UInt32 = 1
    private let sendBuffer: UnsafeMutableRawPointer
    private var receiveBytes = [UInt8](repeating: 0, count: 1 << 16)

    init() throws {
        guard let socket = mnl_socket_open(NETLINK_ROUTE) else {
            throw LinuxDataplaneError.system(operation: "mnl_socket_open", errno: errno)
        }
        guard mnl_socket_bind(socket, 0, pid_t(MNL_SOCKET_AUTOPID)) == 0 else {
            let error = errno
            mnl_socket_close(socket)
            throw LinuxDataplaneError.system(operation: "mnl_socket_bind", errno: error)
        }
        self.socket = socket
        portID = mnl_socket_get_portid(socket)
        sendBuffer = .allocate(byteCount: Self.batchSize * NeighbourMessage.maximumSize, alignment: 8)
        var one: Int32 = 1
        _ = mnl_socket_setsockopt(socket, NETLINK_CAP_ACK, &one, 4)
        _ = mnl_socket_setsockopt(socket, NETLINK_EXT_ACK, &one, 4)
        let fd = mnl_socket_get_fd(socket)
        var size = Self.receiveBuffer
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, 4) != 0 {
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, 4)
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        mnl_socket_close(socket)
        sendBuffer.deallocate()
    }

    /// Sends every message and returns one outcome per message, in order.
    func execute(_ messages: [NeighbourMessage]) -> [NetlinkOutcome] {
        var outcomes: [NetlinkOutcome] = []
        outcomes.reserveCapacity(messages.count)
        var start = 0
        while start < messages.count {
            let chunk = messages[start..<min(start + Self.batchSize, messages.count)]
            outcomes += executeChunk(chunk)
            start += chunk.count
        }
        return outcomes
    }

    private func executeChunk(_ chunk: ArraySlice<NeighbourMessage>) -> [NetlinkOutcome] {
        let first = sequence
        var length = 0
        for (offset, message) in chunk.enumerated() {
            length += message.encode(into: sendBuffer + length, sequence: first &+ UInt32(offset))
        }
        sequence = first &+ UInt32(chunk.count)
        guard mnl_socket_sendto(socket, sendBuffer, length) == length else {
            return Array(repeating: NetlinkOutcome(errno: errno, text: "sendto"), count: chunk.count)
        }
        var outcomes: [NetlinkOutcome?] = Array(repeating: nil, count: chunk.count)
        var pending = chunk.count
        while pending > 0 {
            let received = receive()
            guard received > 0 else {
                // Lost ACKs (ENOBUFS) or a timeout: the fate of the rest is unknown, so say so.
                let error = received < 0 ? errno : EIO
                return outcomes.map { $0 ?? NetlinkOutcome(errno: error, text: "no acknowledgement") }
            }
            for message in NetlinkParsing.messages(in: receiveBytes[0..<received]) {
                let index = Int(message.sequence &- first)
                guard index >= 0, index < chunk.count, outcomes[index] == nil,
                      let ack = NetlinkParsing.acknowledgement(message) else { continue }
                outcomes[index] = NetlinkOutcome(errno: ack.errno, text: ack.text)
                pending -= 1
            }
        }
        return outcomes.map { $0! }
    }

    /// Starts a request in the send buffer: its header with the next sequence number, then an
    /// `ifinfomsg` for `interfaceIndex` if given (link requests, FDB dumps filtered by port).
    private func startRequest(type: Int32, flags: Int32, family: UInt8,
                              linkIndex: Int32?) -> (header: UnsafeMutablePointer<nlmsghdr>, sequence: UInt32) {
        let first = sequence
        sequence &+= 1
        let header = mnl_nlmsg_put_header(sendBuffer)!
        header.pointee.nlmsg_type = UInt16(type)
        header.pointee.nlmsg_flags = UInt16(flags)
        header.pointee.nlmsg_seq = first
        if let linkIndex {
            let ifm = mnl_nlmsg_put_extra_header(header, MemoryLayout<ifinfomsg>.size)!.assumingMemoryBound(to: ifinfomsg.self)
            ifm.pointee.ifi_family = family
            ifm.pointee.ifi_index = linkIndex
        }
        return (header, first)
    }

    private func receive() -> Int {
        receiveBytes.withUnsafeMutableBytes { mnl_socket_recvfrom(socket, $0.baseAddress, $0.count) }
    }

    /// `ip link set dev <port> type bridge_slave neigh_suppress on|off`: RTM_SETLINK for the bridge
    /// port (family AF_BRIDGE, IFLA_PROTINFO nesting IFLA_BRPORT_NEIGH_SUPPRESS; Linux 4.15).
    func setNeighbourSuppression(port interfaceIndex: Int32, enabled: Bool) throws {
        let (header, first) = startRequest(type: Int32(RTM_SETLINK), flags: NLM_F_REQUEST | NLM_F_ACK,
                                           family: UInt8(AF_BRIDGE), linkIndex: interfaceIndex)
        let nest = mnl_attr_nest_start(header, UInt16(IFLA_PROTINFO))
        mnl_attr_put_u8(header, UInt16(IFLA_BRPORT_NEIGH_SUPPRESS), enabled ? 1 : 0)
        mnl_attr_nest_end(header, nest)
        let length = Int(header.pointee.nlmsg_len)
        let operation = "set neigh_suppress on bridge port \(interfaceIndex)"
        guard mnl_socket_sendto(socket, sendBuffer, length) == length else {
            throw LinuxDataplaneError.system(operation: operation, errno: errno)
        }
        while true {
            let received = receive()
            guard received > 0 else { throw LinuxDataplaneError.system(operation: operation, errno: errno) }
            for message in NetlinkParsing.messages(in: receiveBytes[0..<received]) where message.sequence == first {
                guard let ack = NetlinkParsing.acknowledgement(message) else { continue }
                guard ack.errno == 0 else {
                    throw LinuxDataplaneError.kernelRefused(operation: operation, code: ack.errno,
                                                            message: NetlinkOutcome(errno: ack.errno, text: ack.text).description)
                }
                return
            }
        }
    }

    /// Dumps the neighbour table of one family (AF_BRIDGE for the FDB), or only the entries on
    /// `interfaceIndex`, filtered by the kernel: for the FDB an `ifinfomsg` header carrying the
    /// port (as `bridge fdb show dev` sends), else an NDA_IFINDEX attribute (rtnetlink(7)).
    func dump(family: UInt8, interfaceIndex: Int32? = nil) throws -> [NeighbourEntry] {
        let byPort = family == UInt8(AF_BRIDGE) ? interfaceIndex : nil
        let (header, first) = startRequest(type: Int32(RTM_GETNEIGH), flags: NLM_F_REQUEST | NLM_F_DUMP, family: family,
                                           linkIndex: byPort)
        if byPort == nil {
            let ndm = mnl_nlmsg_put_extra_header(header, MemoryLayout<ndmsg>.size)!.assumingMemoryBound(to: ndmsg.self)
            ndm.pointee.ndm_family = family
            if let interfaceIndex { mnl_attr_put_u32(header, UInt16(NDA_IFINDEX), UInt32(bitPattern: interfaceIndex)) }
        }
        let length = Int(header.pointee.nlmsg_len)
        guard mnl_socket_sendto(socket, sendBuffer, length) == length else {
            throw LinuxDataplaneError.system(operation: "neighbour dump", errno: errno)
        }
        var entries: [NeighbourEntry] = []
        while true {
            let received = receive()
            guard received > 0 else { throw LinuxDataplaneError.system(operation: "neighbour dump", errno: errno) }
            for message in NetlinkParsing.messages(in: receiveBytes[0..<received]) where message.sequence == first {
                if message.type == UInt16(NLMSG_DONE) { return entries }
                if let ack = NetlinkParsing.acknowledgement(message), ack.errno != 0 {
                    throw LinuxDataplaneError.kernelRefused(operation: "neighbour dump", code: ack.errno,
                                                            message: NetlinkOutcome(errno: ack.errno, text: ack.text).description)
                }
                if let entry = NeighbourEntry(message), interfaceIndex == nil || entry.interfaceIndex == interfaceIndex {
                    entries.append(entry)
                }
            }
        }
    }
}
