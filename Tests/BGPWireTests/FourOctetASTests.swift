import Testing
import NetAddress
@testable import BGPWire

/// RFC 6793: talking to a speaker without the 4-octet AS capability.
@Suite struct FourOctetASTests {
    let twoOctet = CodecContext(fourOctetAS: false)

    @Test func mergesAS4PathFromATwoOctetSpeaker() throws {
        // AS_PATH 65001 23456 23456 (2-byte), AS4_PATH 4200000000 4200000001, AGGREGATOR AS_TRANS + AS4_AGGREGATOR.
        let bytes = MalformedInputTests.update(attributes: [
            MalformedInputTests.origin,
            MalformedInputTests.attribute(0x40, 2, "0203 fde9 5ba0 5ba0"),
            MalformedInputTests.attribute(0x40, 3, "c0000201"),
            MalformedInputTests.attribute(0xC0, 7, "5ba0 c0000209"),
            MalformedInputTests.attribute(0xC0, 17, "0202 fa56ea00 fa56ea01"),
            MalformedInputTests.attribute(0xC0, 18, "fa56ea00 c0000209"),
        ], nlri: "18 c63364")
        let decoded = try BGPMessage.decode(bytes, context: twoOctet)
        guard case .update(let update) = decoded else { Issue.record("not an UPDATE"); return }
        #expect(update.malformedReason == nil)
        #expect(update.attributes.asPath == [ASPathSegment(kind: .sequence, asns: [65001, 4_200_000_000, 4_200_000_001])])
        #expect(update.attributes.aggregator == Aggregator(asn: 4_200_000_000, address: IPv4Address("192.0.2.9")!))
        // Sent back to a 2-octet speaker: AS_TRANS in AS_PATH and AGGREGATOR, the real numbers in AS4_PATH/AS4_AGGREGATOR.
        var canonical = update
        canonical.attributes.wireLayout = PathAttributeLayout()
        let reencoded = BGPMessage.update(canonical).encoded(context: twoOctet)
        #expect(hex(reencoded).contains("4002080203fde95ba05ba0"))
        #expect(hex(reencoded).contains("c0110e0203 0000fde9 fa56ea00 fa56ea01".filter { $0 != " " }))
        #expect(try BGPMessage.decode(reencoded, context: twoOctet) == decoded)
    }

    @Test func ignoresAS4PathWhenAggregatorIsNotASTrans() throws {
        let bytes = MalformedInputTests.update(attributes: [
            MalformedInputTests.origin,
            MalformedInputTests.attribute(0x40, 2, "0201 5ba0"),
            MalformedInputTests.attribute(0x40, 3, "c0000201"),
            MalformedInputTests.attribute(0xC0, 7, "fde9 c0000209"),
            MalformedInputTests.attribute(0xC0, 17, "0201 fa56ea00"),
        ], nlri: "18 c63364")
        guard case .update(let update) = try BGPMessage.decode(bytes, context: twoOctet) else { Issue.record("not an UPDATE"); return }
        #expect(update.attributes.asPath == [ASPathSegment(kind: .sequence, asns: [23456])])
    }

    @Test func longSegmentsAreSplitAt255() throws {
        var update = UpdateMessage()
        update.attributes.origin = .igp
        update.attributes.asPath = [ASPathSegment(kind: .sequence, asns: Array(1...300))]
        guard case .update(let decoded) = try BGPMessage.decode(BGPMessage.update(update).encoded(context: CodecContext()),
                                                               context: CodecContext()) else { return }
        #expect(decoded.attributes.asPath == [ASPathSegment(kind: .sequence, asns: Array(1...255)),
                                              ASPathSegment(kind: .sequence, asns: Array(256...300))])
    }
}
