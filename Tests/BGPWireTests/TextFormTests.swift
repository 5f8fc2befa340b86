import Testing
import NetAddress
@testable import BGPWire

@Suite struct TextFormTests {
    @Test(arguments: ["64512:80", "198.51.100.11:3", "4200000000:7"])
    func routeDistinguisherRoundTrips(text: String) {
        #expect(RouteDistinguisher(text)?.description == text)
    }

    @Test(arguments: ["64512:80", "198.51.100.11:3", "4200000000:80"])
    func routeTargetRoundTrips(text: String) {
        #expect(RouteTarget(text)?.description == text)
        #expect(RouteTarget("target:" + text) == RouteTarget(text))
    }

    @Test func ethernetSegmentIdentifierRoundTrips() {
        #expect(EthernetSegmentIdentifier("0") == .zero)
        let text = "01:02:03:04:05:06:07:08:09:0a"
        #expect(EthernetSegmentIdentifier(text)?.description == text)
        #expect(EthernetSegmentIdentifier(text)?.type == 1)
        #expect(EthernetSegmentIdentifier("01:02") == nil)
    }

    @Test(arguments: ["target:64512:80", "encap:VXLAN", "mac-mobility:5", "mac-mobility:7:sticky", "esi-label:100:single-active",
                      "es-import:52:54:00:aa:bb:cc", "router-mac:52:54:00:aa:bb:cc", "default-gateway",
                      "consistentHashSortOrder:3", "0x8000000000000001"])
    func extendedCommunityRoundTripsThroughTextAndWire(text: String) throws {
        let community = try #require(ExtendedCommunity(text))
        #expect(community.description == text)
        #expect(ExtendedCommunity(wireValue: community.wireValue) == community)
    }

    @Test func nonZeroReservedBitsStayRaw() {
        #expect(ExtendedCommunity(wireValue: 0x030C_0000_0001_0008) == .raw(0x030C_0000_0001_0008))
        #expect(ExtendedCommunity(wireValue: 0x030C_0000_0000_0008) == .encapsulation(.vxlan))
    }

    @Test func largeCommunityParses() {
        #expect(LargeCommunity("64512:1:2") == LargeCommunity(64512, 1, 2))
        #expect(LargeCommunity("64512:1") == nil)
    }
}
