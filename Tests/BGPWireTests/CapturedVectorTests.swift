import Testing
@testable import BGPWire

/// Every message GoBGP 3.10, FRR 8.4 and BaGPipe exchanged in ../shared/vectors (extracted by tshark).
@Suite struct CapturedVectorTests {
    @Test(arguments: Fixtures.allCaptured)
    func decodesCleanlyAndReencodesByteForByte(captured: CapturedMessage) throws {
        let decoded = try BGPMessage.decode(captured.bytes, context: CodecContext())
        #expect(decoded.typeCode == captured.type)
        if case .update(let update) = decoded {
            #expect(update.malformedReason == nil)
            #expect(!update.treatAsWithdraw)
        }
        #expect(hex(decoded.encoded(context: CodecContext())) == hex(captured.bytes))
    }
}
