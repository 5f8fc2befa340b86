import CMnl
import Glibc
import Dataplane
import NetAddress
import Testing
@testable import LinuxDataplane

/// Netlink encoding and decoding without a kernel (rtnetlink(7) layouts).
struct NetlinkCodecTests {
    let mac = MACAddress("52:54:00:aa:bb:cc")!
    let vtep = IPAddress("198.51.100.12")!

    func encode(_ message: NeighbourMessage, sequence: UInt32 = 7) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: NeighbourMessage.maximumSize)
        let length = buffer.withUnsafeMutableBytes { message.encode(into: $0.baseAddress!, sequence: sequence) }
        return Array(buffer[0..<length])
    }

    @Test func remoteMACIsOneSelfMasterExternLearnedReplace() {
        let message = NeighbourMessage.vxlanEntry(.replace, vxlan: 9, mac: mac, vtep: vtep, vni: 5010, alsoBridge: true)
        let bytes = encode(message)
        let parsed = NetlinkParsing.messages(in: bytes[...])
        #expect(parsed.count == 1)
        #expect(parsed[0].type == UInt16(RTM_NEWNEIGH))
        #expect(parsed[0].sequence == 7)
        #expect(parsed[0].flags == UInt16(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE))
        var reply = parsed[0]
        reply.type = UInt16(RTM_NEWNEIGH)
        let entry = NeighbourEntry(reply)
        #expect(entry?.family == UInt8(AF_BRIDGE))
        #expect(entry?.interfaceIndex == 9)
        #expect(entry?.state == UInt16(NUD_PERMANENT))
        #expect(entry?.flags == UInt8(NTF_SELF | NTF_MASTER | NTF_EXT_LEARNED))
        #expect(entry?.linkAddress == mac)
        #expect(entry?.destination == vtep)
        #expect(entry?.vni == 5010)
        #expect(bytes.count <= NeighbourMessage.maximumSize)
    }

    @Test func floodEntryAppendsAndPinnedPortMACIsStatic() {
        let flood = NeighbourMessage.vxlanEntry(.append, vxlan: 3, mac: .zero, vtep: vtep, vni: 1, alsoBridge: false)
        #expect(flood.requestFlags == UInt16(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND))
        #expect(flood.flags == UInt8(NTF_SELF))
        let pinned = NeighbourMessage.bridgeEntry(.replace, port: 4, mac: mac, externallyLearned: false)
        #expect(pinned.state == UInt16(NUD_NOARP))            // static: NUD_PERMANENT would mean "local"
        #expect(pinned.flags == UInt8(NTF_MASTER))
        let delete = NeighbourMessage.ipNeighbour(.delete, device: 3, ip: IPAddress("203.0.113.20")!, mac: mac)
        #expect(delete.messageType == UInt16(RTM_DELNEIGH) && delete.toleratesMissing)
        #expect(delete.family == UInt8(AF_INET))
        #expect(delete.summary(device: "vxlan--x") == "neigh delete 203.0.113.20 52:54:00:aa:bb:cc dev vxlan--x")
    }

    /// An NLMSG_ERROR with NLM_F_CAPPED | NLM_F_ACK_TLVS carrying an extended-ACK message.
    @Test func decodesAcknowledgementsWithExtendedText() {
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        let text = Array("invalid ether address".utf8) + [0]
        let tlv = le16(UInt16(4 + text.count)) + le16(UInt16(NLMSGERR_ATTR_MSG.rawValue)) + text
            + Array(repeating: 0, count: NetlinkParsing.align4(text.count + 4) - text.count - 4)
        let payload = le32(UInt32(bitPattern: -EINVAL)) + le32(16) + le16(28) + le16(0) + le32(42) + le32(0) + tlv
        let header = le32(UInt32(16 + payload.count)) + le16(UInt16(NLMSG_ERROR))
            + le16(UInt16(NLM_F_CAPPED | NLM_F_ACK_TLVS)) + le32(42) + le32(0)
        let ok = le32(36) + le16(UInt16(NLMSG_ERROR)) + le16(UInt16(NLM_F_CAPPED)) + le32(43) + le32(0)
            + le32(0) + le32(16) + le16(28) + le16(0) + le32(43) + le32(0)
        let messages = NetlinkParsing.messages(in: (header + payload + ok)[...])
        #expect(messages.map(\.sequence) == [42, 43])
        let refused = NetlinkParsing.acknowledgement(messages[0])
        #expect(refused?.errno == EINVAL)
        #expect(refused?.text == "invalid ether address")
        #expect(NetlinkParsing.acknowledgement(messages[1])?.errno == 0)
        #expect(NetlinkOutcome(errno: EINVAL, text: "invalid ether address").description == "invalid ether address (Invalid argument)")
    }

    @Test func truncatedInputYieldsNothing() {
        #expect(NetlinkParsing.messages(in: [1, 2, 3][...]).isEmpty)
        #expect(NetlinkParsing.messages(in: ([200, 0, 0, 0] + Array(repeating: 0, count: 12))[...]).isEmpty)
        #expect(NetlinkParsing.attributes(in: [2, 0, 1, 0][...]).isEmpty)
    }
}
