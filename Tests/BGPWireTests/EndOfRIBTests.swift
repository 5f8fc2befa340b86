import Testing
@testable import BGPWire

@Suite struct EndOfRIBTests {
    @Test func ipv4UnicastEndOfRIBIsAnEmptyUpdate() throws {
        let bytes = BGPMessage.update(.endOfRIB(.ipv4Unicast)).encoded(context: CodecContext())
        #expect(bytes == message("0017 02 0000 0000"))
        guard case .update(let update) = try BGPMessage.decode(bytes, context: CodecContext()) else { Issue.record("not an UPDATE"); return }
        #expect(update.endOfRIBFamily == .ipv4Unicast)
    }

    @Test(arguments: [AddressFamily.l2vpnEVPN, .routeTargetConstraint, AddressFamily(afi: 1, safi: 128)])
    func multiprotocolEndOfRIBIsAnEmptyMPUnreach(family: AddressFamily) throws {
        let bytes = BGPMessage.update(.endOfRIB(family)).encoded(context: CodecContext())
        #expect(bytes == message("001d 02 0000 0006 800f03") + [UInt8(family.afi >> 8), UInt8(family.afi & 0xFF), family.safi])
        guard case .update(let update) = try BGPMessage.decode(bytes, context: CodecContext()) else { Issue.record("not an UPDATE"); return }
        #expect(update.endOfRIBFamily == family)
    }

    @Test func anUpdateWithRoutesIsNotEndOfRIB() throws {
        guard case .update(let update) = try BGPMessage.decode(BaGPipeCapturedTests.type3, context: CodecContext()) else {
            Issue.record("not an UPDATE")
            return
        }
        #expect(update.endOfRIBFamily == nil)
    }
}
