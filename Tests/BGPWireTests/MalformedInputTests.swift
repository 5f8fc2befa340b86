import Testing
@testable import BGPWire

/// What the decoder must do with broken input (RFC 4271 §6, RFC 7606, RFC 4760 §7, RFC 6793 §6, RFC 7313 §5).
@Suite struct MalformedInputTests {
    enum Outcome: Equatable, CustomStringConvertible {
        case accepted, attributeDiscard, treatAsWithdraw
        case sessionReset(code: UInt8, subcode: UInt8)

        var description: String {
            switch self {
            case .accepted: "accepted"
            case .attributeDiscard: "attribute discard"
            case .treatAsWithdraw: "treat-as-withdraw"
            case .sessionReset(let code, let subcode): "session reset \(code)/\(subcode)"
            }
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var outcome: Outcome
        var context = CodecContext()
        var testDescription: String { "\(name) → \(outcome)" }
    }

    // MARK: Builders

    /// A path attribute with its length computed (2-byte length when the Extended Length bit is set).
    static func attribute(_ flags: UInt8, _ type: UInt8, _ value: String) -> String {
        let count = bytes(value).count
        let length = flags & 0x10 != 0 ? hex([UInt8(count >> 8), UInt8(count & 0xFF)]) : hex([UInt8(count)])
        return hex([flags, type]) + length + value
    }

    /// An UPDATE with its three lengths computed.
    static func update(withdrawn: String = "", attributes: [String], nlri: String = "") -> [UInt8] {
        let withdrawnBytes = bytes(withdrawn), attributeBytes = bytes(attributes.joined()), nlriBytes = bytes(nlri)
        let body = [UInt8(withdrawnBytes.count >> 8), UInt8(withdrawnBytes.count & 0xFF)] + withdrawnBytes
            + [UInt8(attributeBytes.count >> 8), UInt8(attributeBytes.count & 0xFF)] + attributeBytes + nlriBytes
        return header(length: 19 + body.count, type: 2) + body
    }

    static func header(length: Int, type: UInt8) -> [UInt8] {
        [UInt8](repeating: 0xFF, count: 16) + [UInt8(length >> 8), UInt8(length & 0xFF), type]
    }

    static let origin = attribute(0x40, 1, "00")
    static let asPath = attribute(0x40, 2, "")
    static let nextHop = attribute(0x40, 3, "c633640b")
    static let localPref = attribute(0x40, 5, "00000064")
    static let type3 = "03 11 0001c633640b0000 00000000 20 c633640b"
    static func mpReach(_ nlri: String = type3, nextHop: String = "04 c633640b") -> String {
        attribute(0x80, 14, "0019 46" + nextHop + "00" + nlri)
    }
    static let evpnBase = [origin, asPath, localPref]
    static func evpnUpdate(_ extra: [String], reach: String = mpReach()) -> [UInt8] { update(attributes: evpnBase + extra + [reach]) }

    static let headerCases: [Case] = [
        Case(name: "truncated header", bytes: Array(repeating: 0xFF, count: 10), outcome: .sessionReset(code: 1, subcode: 2)),
        Case(name: "marker not all ones", bytes: [0xFE] + Array(repeating: 0xFF, count: 15) + [0, 19, 4], outcome: .sessionReset(code: 1, subcode: 1)),
        Case(name: "length field larger than the message", bytes: header(length: 20, type: 4), outcome: .sessionReset(code: 1, subcode: 2)),
        Case(name: "length over 4096 without extended messages", bytes: header(length: 4097, type: 3) + [6, 0] + Array(repeating: 0, count: 4076),
             outcome: .sessionReset(code: 1, subcode: 2)),
        Case(name: "unknown message type", bytes: header(length: 19, type: 9), outcome: .sessionReset(code: 1, subcode: 3)),
        Case(name: "KEEPALIVE with a body", bytes: header(length: 20, type: 4) + [0], outcome: .sessionReset(code: 1, subcode: 2)),
        Case(name: "NOTIFICATION without subcode", bytes: header(length: 20, type: 3) + [6], outcome: .sessionReset(code: 1, subcode: 2)),
        Case(name: "ROUTE-REFRESH of 24 bytes", bytes: header(length: 24, type: 5) + [0, 25, 0, 70, 0], outcome: .sessionReset(code: 7, subcode: 1)),
        Case(name: "UPDATE shorter than 23 bytes", bytes: header(length: 21, type: 2) + [0, 0], outcome: .sessionReset(code: 1, subcode: 2)),
    ]

    static let openCases: [Case] = [
        Case(name: "OPEN shorter than 29 bytes", bytes: header(length: 28, type: 1) + bytes("04 fc00 005a c6336401"), outcome: .sessionReset(code: 1, subcode: 2)),
        Case(name: "OPEN version 3", bytes: header(length: 29, type: 1) + bytes("03 fc00 005a c6336401 00"), outcome: .sessionReset(code: 2, subcode: 1)),
        Case(name: "OPEN hold time 2", bytes: header(length: 29, type: 1) + bytes("04 fc00 0002 c6336401 00"), outcome: .sessionReset(code: 2, subcode: 6)),
        Case(name: "OPEN BGP identifier 0.0.0.0", bytes: header(length: 29, type: 1) + bytes("04 fc00 005a 00000000 00"), outcome: .sessionReset(code: 2, subcode: 3)),
        Case(name: "OPEN parameters length past the end", bytes: header(length: 29, type: 1) + bytes("04 fc00 005a c6336401 04"), outcome: .sessionReset(code: 2, subcode: 0)),
        Case(name: "OPEN capability overruns its parameter", bytes: header(length: 33, type: 1) + bytes("04 fc00 005a c6336401 04 0202 4104"),
             outcome: .sessionReset(code: 2, subcode: 0)),
        Case(name: "OPEN unknown parameter kept", bytes: header(length: 32, type: 1) + bytes("04 fc00 005a c6336401 03 0101 00"), outcome: .accepted),
    ]

    static let updateCases: [Case] = [
        Case(name: "withdrawn routes length past the end", bytes: header(length: 23, type: 2) + bytes("0005 0000"), outcome: .sessionReset(code: 3, subcode: 1)),
        Case(name: "path attribute length past the end", bytes: header(length: 23, type: 2) + bytes("0000 0001"), outcome: .sessionReset(code: 3, subcode: 1)),
        Case(name: "withdrawn prefix longer than 32 bits", bytes: update(withdrawn: "21 c6336400 00", attributes: []), outcome: .sessionReset(code: 3, subcode: 10)),
        Case(name: "NLRI prefix overruns the message", bytes: update(attributes: [origin, asPath, nextHop], nlri: "18 c633"), outcome: .sessionReset(code: 3, subcode: 10)),
        Case(name: "attribute header cut short", bytes: update(attributes: evpnBase + [mpReach(), "4001"]), outcome: .treatAsWithdraw),
        Case(name: "attribute length overruns the attribute field", bytes: update(attributes: [mpReach()] + evpnBase + ["40 05 09 00000064"]), outcome: .treatAsWithdraw),
        Case(name: "ORIGIN of 2 bytes", bytes: update(attributes: [attribute(0x40, 1, "0000"), asPath, localPref, mpReach()]), outcome: .treatAsWithdraw),
        Case(name: "ORIGIN value 3", bytes: update(attributes: [attribute(0x40, 1, "03"), asPath, localPref, mpReach()]), outcome: .treatAsWithdraw),
        Case(name: "AS_PATH segment type 5", bytes: update(attributes: [origin, attribute(0x40, 2, "0501 0000fc00"), localPref, mpReach()]), outcome: .treatAsWithdraw),
        Case(name: "AS_PATH segment overruns", bytes: update(attributes: [origin, attribute(0x40, 2, "0202 0000fc00"), localPref, mpReach()]), outcome: .treatAsWithdraw),
        Case(name: "AS_PATH empty segment", bytes: update(attributes: [origin, attribute(0x40, 2, "0200"), localPref, mpReach()]), outcome: .treatAsWithdraw),
        Case(name: "NEXT_HOP of 5 bytes", bytes: update(attributes: [origin, asPath, attribute(0x40, 3, "c633640b00")], nlri: "18 c63364"), outcome: .treatAsWithdraw),
        Case(name: "MULTI_EXIT_DISC of 3 bytes", bytes: evpnUpdate([attribute(0x80, 4, "000001")]), outcome: .treatAsWithdraw),
        Case(name: "LOCAL_PREF of 0 bytes", bytes: update(attributes: [origin, asPath, attribute(0x40, 5, ""), mpReach()]), outcome: .treatAsWithdraw),
        Case(name: "ATOMIC_AGGREGATE of 1 byte", bytes: evpnUpdate([attribute(0x40, 6, "00")]), outcome: .attributeDiscard),
        Case(name: "AGGREGATOR of 7 bytes", bytes: evpnUpdate([attribute(0xC0, 7, "0000fc00c63364")]), outcome: .attributeDiscard),
        Case(name: "COMMUNITIES of 3 bytes", bytes: evpnUpdate([attribute(0xC0, 8, "fc0000")]), outcome: .treatAsWithdraw),
        Case(name: "ORIGINATOR_ID of 3 bytes", bytes: evpnUpdate([attribute(0x80, 9, "c63364")]), outcome: .treatAsWithdraw),
        Case(name: "CLUSTER_LIST of 6 bytes", bytes: evpnUpdate([attribute(0x80, 10, "c6336401 0000")]), outcome: .treatAsWithdraw),
        Case(name: "EXTENDED_COMMUNITIES of 7 bytes", bytes: evpnUpdate([attribute(0xC0, 16, "030c0000000000")]), outcome: .treatAsWithdraw),
        Case(name: "LARGE_COMMUNITY of 13 bytes", bytes: evpnUpdate([attribute(0xC0, 32, "0000fc00 00000001 00000002 00")]), outcome: .treatAsWithdraw),
        Case(name: "PMSI_TUNNEL of 4 bytes", bytes: evpnUpdate([attribute(0xC0, 22, "00060000")]), outcome: .treatAsWithdraw),
        Case(name: "AS4_PATH from a 4-octet AS peer", bytes: evpnUpdate([attribute(0xC0, 17, "0201 0000fc00")]), outcome: .attributeDiscard),
        Case(name: "malformed AS4_PATH from a 2-octet AS peer", bytes: evpnUpdate([attribute(0xC0, 17, "0202 0000fc00")]), outcome: .attributeDiscard,
             context: CodecContext(fourOctetAS: false)),
        Case(name: "AS4_AGGREGATOR of 6 bytes", bytes: evpnUpdate([attribute(0xC0, 18, "fc00 c6336401")]), outcome: .attributeDiscard,
             context: CodecContext(fourOctetAS: false)),
        Case(name: "ORIGIN repeated", bytes: evpnUpdate([origin]), outcome: .attributeDiscard),
        Case(name: "MP_REACH_NLRI repeated", bytes: evpnUpdate([mpReach()]), outcome: .sessionReset(code: 3, subcode: 1)),
        Case(name: "MP_UNREACH_NLRI repeated", bytes: update(attributes: [attribute(0x80, 15, "001946"), attribute(0x80, 15, "001946")]),
             outcome: .sessionReset(code: 3, subcode: 1)),
        Case(name: "ORIGIN flagged optional", bytes: update(attributes: [attribute(0xC0, 1, "00"), asPath, localPref, mpReach()]), outcome: .treatAsWithdraw),
        Case(name: "COMMUNITIES flagged non-transitive", bytes: evpnUpdate([attribute(0x80, 8, "fc000064")]), outcome: .treatAsWithdraw),
        Case(name: "MP_REACH_NLRI flagged transitive", bytes: update(attributes: evpnBase + [attribute(0xC0, 14, "0019 46 04 c633640b 00" + type3)]),
             outcome: .treatAsWithdraw),
        Case(name: "missing ORIGIN", bytes: update(attributes: [asPath, localPref, mpReach()]), outcome: .treatAsWithdraw),
        Case(name: "missing AS_PATH", bytes: update(attributes: [origin, localPref, mpReach()]), outcome: .treatAsWithdraw),
        Case(name: "missing NEXT_HOP with IPv4 NLRI", bytes: update(attributes: [origin, asPath], nlri: "18 c63364"), outcome: .treatAsWithdraw),
        Case(name: "withdrawal needs no mandatory attribute", bytes: update(attributes: [attribute(0x80, 15, "001946" + type3)]), outcome: .accepted),
        Case(name: "unrecognized well-known attribute", bytes: evpnUpdate([attribute(0x40, 99, "00")]), outcome: .sessionReset(code: 3, subcode: 2)),
        Case(name: "unrecognized optional transitive attribute kept", bytes: evpnUpdate([attribute(0xC0, 99, "0102")]), outcome: .accepted),
        Case(name: "MP_REACH_NLRI of 2 bytes", bytes: update(attributes: evpnBase + [attribute(0x80, 14, "0019")]), outcome: .sessionReset(code: 3, subcode: 9)),
        Case(name: "MP_REACH_NLRI next hop overruns", bytes: update(attributes: evpnBase + [attribute(0x80, 14, "0019 46 10 c633640b")]),
             outcome: .sessionReset(code: 3, subcode: 9)),
        Case(name: "EVPN route length overruns", bytes: evpnUpdate([], reach: mpReach("03 12 0001c633640b0000 00000000 20 c633640b")),
             outcome: .sessionReset(code: 3, subcode: 9)),
        Case(name: "EVPN type 2 with a 47-bit MAC", bytes: evpnUpdate([], reach: mpReach(
            "02 21 0001c633640b0000 00000000000000000000 00000000 2f 525400aabbcc 00 000010")), outcome: .treatAsWithdraw),
        Case(name: "EVPN type 3 with a 24-bit originator", bytes: evpnUpdate([], reach: mpReach("03 10 0001c633640b0000 00000000 18 c63364")),
             outcome: .treatAsWithdraw),
        Case(name: "EVPN type 5 of 35 bytes", bytes: evpnUpdate([], reach: mpReach(
            "05 23 0001c633640b0000 00000000000000000000 00000000 18 cb007100 c633640b 000010 00")), outcome: .treatAsWithdraw),
        Case(name: "unknown EVPN route type kept", bytes: evpnUpdate([], reach: mpReach("09 03 010203")), outcome: .accepted),
        Case(name: "MP_REACH_NLRI next hop of 5 bytes", bytes: evpnUpdate([], reach: mpReach(nextHop: "05 c633640b00")), outcome: .treatAsWithdraw),
        Case(name: "MP_UNREACH_NLRI of 2 bytes", bytes: update(attributes: [attribute(0x80, 15, "0019")]), outcome: .sessionReset(code: 3, subcode: 9)),
        Case(name: "route-target membership longer than 96 bits", bytes: update(attributes: evpnBase + [
            attribute(0x80, 14, "0001 84 04 c633640b 00 61 0000fc00 0002fc0000000050 00")]), outcome: .sessionReset(code: 3, subcode: 9)),
        Case(name: "family not decoded kept raw", bytes: update(attributes: evpnBase + [attribute(0x80, 14, "0001 80 0c 0000000000000000c633640b 00")]),
             outcome: .accepted),
    ]

    static func outcome(of bytes: [UInt8], context: CodecContext) -> Outcome {
        do {
            guard case .update(let update) = try BGPMessage.decode(bytes, context: context) else { return .accepted }
            if update.treatAsWithdraw { return .treatAsWithdraw }
            return update.malformedReason == nil ? .accepted : .attributeDiscard
        } catch {
            return .sessionReset(code: error.notification.code, subcode: error.notification.subcode)
        }
    }

    @Test(arguments: headerCases + openCases + updateCases)
    func expectedRFC7606Action(testCase: Case) {
        #expect(Self.outcome(of: testCase.bytes, context: testCase.context) == testCase.outcome)
    }

    @Test func treatAsWithdrawTurnsReachableRoutesIntoWithdrawals() throws {
        let bytes = Self.update(attributes: [Self.attribute(0x40, 1, "07"), Self.asPath, Self.localPref, Self.mpReach()])
        guard case .update(let update) = try BGPMessage.decode(bytes, context: CodecContext()) else { Issue.record("not an UPDATE"); return }
        #expect(update.announcedNLRI.isEmpty)
        #expect(update.withdrawnNLRI.count == 1)
        #expect(update.malformedReason?.contains("ORIGIN") == true)
    }

    @Test func discardedAttributeIsDroppedAndTheRestKept() throws {
        guard case .update(let update) = try BGPMessage.decode(Self.evpnUpdate([Self.attribute(0xC0, 7, "0000fc00c63364")]),
                                                              context: CodecContext()) else { Issue.record("not an UPDATE"); return }
        #expect(update.attributes.aggregator == nil)
        #expect(update.announcedNLRI.count == 1)
    }

    @Test func unknownOptionalTransitiveAttributeIsReencodedByteForByte() throws {
        let bytes = Self.evpnUpdate([Self.attribute(0xE0, 99, "0102")])
        let decoded = try BGPMessage.decode(bytes, context: CodecContext())
        guard case .update(let update) = decoded else { Issue.record("not an UPDATE"); return }
        #expect(update.attributes.unrecognized == [RawPathAttribute(flags: 0xE0, typeCode: 99, value: [1, 2])])
        #expect(decoded.encoded(context: CodecContext()) == bytes)
    }

    @Test func multiprotocolAttributesOfOtherFamiliesAreReencodedByteForByte() throws {
        // Found by FuzzBGPWire: a raw MP_REACH_NLRI was dropped on re-encoding.
        for bytes in [Self.update(attributes: Self.evpnBase + [Self.attribute(0x80, 14, "0001 80 0c 0000000000000000c633640b 00")]),
                      Self.update(attributes: [Self.attribute(0x80, 15, "0001 80 70 000011 0000000000000001 c63364")])] {
            let decoded = try BGPMessage.decode(bytes, context: CodecContext())
            #expect(decoded.encoded(context: CodecContext()) == bytes)
            guard case .update(var update) = decoded else { continue }
            update.attributes.wireLayout = PathAttributeLayout()
            #expect(try BGPMessage.decode(BGPMessage.update(update).encoded(context: CodecContext()), context: CodecContext()) == decoded)
        }
    }

    @Test func sessionResetCarriesTheAttributeAsData() {
        let bytes = Self.evpnUpdate([Self.attribute(0x40, 99, "00")])
        #expect(throws: MessageDecodingError.self) { try BGPMessage.decode(bytes, context: CodecContext()) }
        do {
            _ = try BGPMessage.decode(bytes, context: CodecContext())
        } catch {
            #expect(error.notification.data == [0x40, 99, 1, 0])
        }
    }
}
