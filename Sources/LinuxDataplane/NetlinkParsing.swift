import CMnl
import NetAddress

/// Reading netlink messages and their attributes (RFC 3549 §2.2, `linux/netlink.h`) from raw
/// bytes, without C callbacks.
enum NetlinkParsing {
    /// One message in a received datagram.
    struct Message {
        var type: UInt16
        var flags: UInt16
        var sequence: UInt32
        /// The bytes after the 16-byte header.
        var payload: ArraySlice<UInt8>
    }

    static func align4(_ length: Int) -> Int { (length + 3) & ~3 }

    static func readU16(_ bytes: ArraySlice<UInt8>, at offset: Int) -> UInt16 {
        let i = bytes.startIndex + offset
        return UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8
    }

    static func readU32(_ bytes: ArraySlice<UInt8>, at offset: Int) -> UInt32 {
        let i = bytes.startIndex + offset
        return UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
    }

    /// Splits a datagram into messages; stops at the first malformed length.
    static func messages(in bytes: ArraySlice<UInt8>) -> [Message] {
        var result: [Message] = []
        var offset = 0
        while bytes.count - offset >= 16 {
            let length = Int(readU32(bytes, at: offset))
            guard length >= 16, offset + length <= bytes.count else { break }
            let start = bytes.startIndex + offset
            result.append(Message(type: readU16(bytes, at: offset + 4), flags: readU16(bytes, at: offset + 6),
                                  sequence: readU32(bytes, at: offset + 8),
                                  payload: bytes[(start + 16)..<(start + length)]))
            offset += align4(length)
        }
        return result
    }

    /// Attributes (type → value) of a TLV area; nested flags are masked off.
    static func attributes(in bytes: ArraySlice<UInt8>) -> [UInt16: ArraySlice<UInt8>] {
        var result: [UInt16: ArraySlice<UInt8>] = [:]
        var offset = 0
        while bytes.count - offset >= 4 {
            let length = Int(readU16(bytes, at: offset))
            guard length >= 4, offset + length <= bytes.count else { break }
            let start = bytes.startIndex + offset
            result[readU16(bytes, at: offset + 2) & 0x3FFF] = bytes[(start + 4)..<(start + length)]
            offset += align4(length)
        }
        return result
    }

    /// An NLMSG_ERROR payload: the errno (0 for an ACK) and the extended-ACK text, if any.
    static func acknowledgement(_ message: Message) -> (errno: Int32, text: String?)? {
        guard message.type == UInt16(NLMSG_ERROR), message.payload.count >= 20 else { return nil }
        let error = Int32(bitPattern: readU32(message.payload, at: 0))
        guard message.flags & UInt16(NLM_F_ACK_TLVS) != 0 else { return (-error, nil) }
        // With NETLINK_CAP_ACK the echoed request is its header only (16 bytes), else the whole request.
        let echoedLength = message.flags & UInt16(NLM_F_CAPPED) != 0 ? 16 : Int(readU32(message.payload, at: 4))
        let tlvStart = 4 + align4(echoedLength)
        guard tlvStart <= message.payload.count else { return (-error, nil) }
        let tlvs = attributes(in: message.payload.dropFirst(tlvStart))
        let text = tlvs[UInt16(NLMSGERR_ATTR_MSG.rawValue)].map { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        return (-error, text)
    }
}

/// A neighbour or FDB entry as the kernel reports it (dump reply or RTNLGRP_NEIGH event).
struct NeighbourEntry: Hashable, Sendable {
    var removed: Bool
    var family: UInt8
    var interfaceIndex: Int32
    var state: UInt16
    var flags: UInt8
    var linkAddress: MACAddress?
    var destination: IPAddress?
    var vni: UInt32?
    var master: Int32?

    /// Decodes an RTM_NEWNEIGH / RTM_DELNEIGH message; nil for anything else.
    init?(_ message: NetlinkParsing.Message) {
        guard message.type == UInt16(RTM_NEWNEIGH) || message.type == UInt16(RTM_DELNEIGH),
              message.payload.count >= 12 else { return nil }
        let p = message.payload
        removed = message.type == UInt16(RTM_DELNEIGH)
        family = p[p.startIndex]
        interfaceIndex = Int32(bitPattern: NetlinkParsing.readU32(p, at: 4))
        state = NetlinkParsing.readU16(p, at: 8)
        flags = p[p.startIndex + 10]
        let attributes = NetlinkParsing.attributes(in: p.dropFirst(12))
        if let lladdr = attributes[UInt16(NDA_LLADDR)], lladdr.count == 6 { linkAddress = MACAddress(bytes: lladdr) }
        if let dst = attributes[UInt16(NDA_DST)] { destination = IPAddress(bytes: dst) }
        if let vni = attributes[UInt16(NDA_VNI)], vni.count == 4 { self.vni = NetlinkParsing.readU32(vni, at: 0) }
        if let master = attributes[UInt16(NDA_MASTER)], master.count == 4 {
            self.master = Int32(bitPattern: NetlinkParsing.readU32(master, at: 0))
        }
    }
}
