import CMnl
import NetAddress

/// One RTM_NEWNEIGH / RTM_DELNEIGH request: an FDB entry (family AF_BRIDGE) or an IP neighbour
/// entry (AF_INET / AF_INET6), as described in rtnetlink(7) and `linux/neighbour.h`.
struct NeighbourMessage: Hashable, Sendable {
    enum Operation: Hashable, Sendable {
        /// NLM_F_CREATE | NLM_F_REPLACE: a MAC move or an update is one message.
        case replace
        /// NLM_F_CREATE | NLM_F_APPEND: another destination for the same MAC (the flood list).
        case append
        case delete
    }

    var operation: Operation
    var family: UInt8
    var interfaceIndex: Int32
    var state: UInt16
    var flags: UInt8
    var linkAddress: MACAddress?
    var destination: IPAddress?
    var vni: UInt32?

    var messageType: UInt16 { operation == .delete ? UInt16(RTM_DELNEIGH) : UInt16(RTM_NEWNEIGH) }

    var requestFlags: UInt16 {
        let base = NLM_F_REQUEST | NLM_F_ACK
        switch operation {
        case .replace: return UInt16(base | NLM_F_CREATE | NLM_F_REPLACE)
        case .append: return UInt16(base | NLM_F_CREATE | NLM_F_APPEND)
        case .delete: return UInt16(base)
        }
    }

    /// A delete that finds nothing is success: applying the same intent twice is harmless.
    var toleratesMissing: Bool { operation == .delete }

    /// Writes the message at `buffer` (which must have room for `maximumSize` bytes) with
    /// sequence number `sequence`; returns its length.
    func encode(into buffer: UnsafeMutableRawPointer, sequence: UInt32) -> Int {
        let header = mnl_nlmsg_put_header(buffer)!
        header.pointee.nlmsg_type = messageType
        header.pointee.nlmsg_flags = requestFlags
        header.pointee.nlmsg_seq = sequence
        let ndm = mnl_nlmsg_put_extra_header(header, MemoryLayout<ndmsg>.size)!.assumingMemoryBound(to: ndmsg.self)
        ndm.pointee.ndm_family = family
        ndm.pointee.ndm_ifindex = interfaceIndex
        ndm.pointee.ndm_state = state
        ndm.pointee.ndm_flags = flags
        if let linkAddress {
            linkAddress.bytes.withUnsafeBytes { mnl_attr_put(header, UInt16(NDA_LLADDR), 6, $0.baseAddress) }
        }
        if let destination {
            let bytes = destination.bytes
            bytes.withUnsafeBytes { mnl_attr_put(header, UInt16(NDA_DST), bytes.count, $0.baseAddress) }
        }
        if let vni { mnl_attr_put_u32(header, UInt16(NDA_VNI), vni) }
        return Int(header.pointee.nlmsg_len)
    }

    /// Upper bound of an encoded message: header, ndmsg and the three attributes.
    static let maximumSize = 16 + 12 + 8 + 20 + 8
}

extension NeighbourMessage {
    /// A vxlan FDB entry: MAC → remote VTEP (`bridge fdb ... dev <vxlan> dst <vtep> vni <vni> self`).
    static func vxlanEntry(_ operation: Operation, vxlan: Int32, mac: MACAddress, vtep: IPAddress, vni: UInt32,
                           alsoBridge: Bool) -> NeighbourMessage {
        var flags = UInt8(NTF_SELF)
        if alsoBridge { flags |= UInt8(NTF_MASTER | NTF_EXT_LEARNED) }
        return NeighbourMessage(operation: operation, family: UInt8(AF_BRIDGE), interfaceIndex: vxlan,
                                state: UInt16(NUD_PERMANENT), flags: flags, linkAddress: mac,
                                destination: vtep, vni: vni)
    }

    /// A bridge FDB entry on a port (`bridge fdb ... dev <port> master [static|extern_learn]`).
    static func bridgeEntry(_ operation: Operation, port: Int32, mac: MACAddress, externallyLearned: Bool) -> NeighbourMessage {
        var flags = UInt8(NTF_MASTER)
        if externallyLearned { flags |= UInt8(NTF_EXT_LEARNED) }
        // NUD_NOARP is "static": forwarded to the port. NUD_PERMANENT would make it local to the bridge.
        return NeighbourMessage(operation: operation, family: UInt8(AF_BRIDGE), interfaceIndex: port,
                                state: UInt16(NUD_NOARP), flags: flags, linkAddress: mac, destination: nil, vni: nil)
    }

    /// An IP neighbour entry (`ip neigh replace <ip> lladdr <mac> dev <dev> nud permanent`).
    static func ipNeighbour(_ operation: Operation, device: Int32, ip: IPAddress, mac: MACAddress) -> NeighbourMessage {
        NeighbourMessage(operation: operation, family: UInt8(ip.isIPv4 ? AF_INET : AF_INET6), interfaceIndex: device,
                         state: UInt16(NUD_PERMANENT), flags: 0, linkAddress: mac, destination: ip, vni: nil)
    }
}
