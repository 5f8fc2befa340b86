@testable import BGPSpeaker
import BGPWire
import NetAddress
import Testing

@Suite struct OutboundPolicyTests {
    private func session(internal isInternal: Bool) -> EstablishedSession {
        var negotiated = FSMFixtures.negotiated
        negotiated.isInternal = isInternal
        negotiated.peerAS = isInternal ? 64512 : 65001
        return EstablishedSession(peer: IPAddress("198.51.100.1")!, localAddress: IPAddress("198.51.100.11")!, negotiated: negotiated)
    }

    private var evpnUpdate: UpdateMessage {
        var attributes = PathAttributes()
        attributes.origin = .igp
        attributes.originatorID = IPv4Address(1, 1, 1, 1)
        attributes.clusterList = [IPv4Address(2, 2, 2, 2)]
        let route = MACIPAdvertisementRoute(routeDistinguisher: RouteDistinguisher("198.51.100.11:1")!,
                                            mac: MACAddress("52:54:00:aa:bb:cc")!, ip: nil, label1: 100)
        attributes.mpReach = MPReach(family: .l2vpnEVPN, nextHops: [IPAddress("198.51.100.11")!], nlri: [.evpn(.macIPAdvertisement(route))])
        return UpdateMessage(attributes: attributes)
    }

    @Test func iBGPKeepsTheASPathAndAddsLocalPreference() {
        let sent = OutboundPolicy.prepare(evpnUpdate, for: session(internal: true), localAS: 64512)
        #expect(sent.attributes.asPath.isEmpty)
        #expect(sent.attributes.localPreference == 100)
        #expect(sent.attributes.mpReach == evpnUpdate.attributes.mpReach)
        var withPreference = evpnUpdate
        withPreference.attributes.localPreference = 200
        #expect(OutboundPolicy.prepare(withPreference, for: session(internal: true), localAS: 64512).attributes.localPreference == 200)
    }

    @Test func eBGPPrependsOurASDropsIBGPOnlyAttributesAndKeepsOurNextHop() {
        var update = evpnUpdate
        update.attributes.localPreference = 100
        update.attributes.asPath = [ASPathSegment(kind: .sequence, asns: [65010])]
        let sent = OutboundPolicy.prepare(update, for: session(internal: false), localAS: 64512)
        #expect(sent.attributes.asPath == [ASPathSegment(kind: .sequence, asns: [64512, 65010])])
        #expect(sent.attributes.localPreference == nil)
        #expect(sent.attributes.originatorID == nil && sent.attributes.clusterList.isEmpty)
        #expect(sent.attributes.mpReach?.nextHops == [IPAddress("198.51.100.11")!])
        #expect(OutboundPolicy.prepare(evpnUpdate, for: session(internal: false), localAS: 64512).attributes.asPath
                == [ASPathSegment(kind: .sequence, asns: [64512])])
    }

    @Test func eBGPFillsAMissingNextHopWithOurSessionAddress() {
        var update = UpdateMessage(nlri: [IPPrefix("203.0.113.0/24")!])
        update.attributes.origin = .igp
        let sent = OutboundPolicy.prepare(update, for: session(internal: false), localAS: 64512)
        #expect(sent.attributes.nextHop == IPv4Address(198, 51, 100, 11))
    }

    @Test func withdrawalsAndEndOfRIBAreSentUnchanged() {
        let endOfRIB = UpdateMessage.endOfRIB(.l2vpnEVPN)
        #expect(OutboundPolicy.prepare(endOfRIB, for: session(internal: false), localAS: 64512) == endOfRIB)
        #expect(OutboundPolicy.prepare(endOfRIB, for: session(internal: true), localAS: 64512) == endOfRIB)
    }
}
