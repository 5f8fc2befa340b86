import BGPWire
import Dataplane
@testable import EVPN
import NetAddress
import Testing

/// Sessions: iBGP split horizon, eBGP, route refresh, counters.
@Suite struct PeerTests {
    let harness = Harness()

    init() throws {
        try harness.router.attach(attachRequest("red", mac: "52:54:00:00:00:01", ip: "203.0.113.1/24", port: "tap0"))
    }

    @Test func aPlainSpeakerDoesNotPassIBGPRoutesToIBGPPeers() {
        harness.peerUp("198.51.100.1")
        harness.peerUp("198.51.100.2")
        harness.output.forget()
        harness.receive(Routes.announce([Routes.macIP(rd: "198.51.100.12:1", mac: "52:54:00:00:00:0b")], nextHop: "198.51.100.12"),
                        from: "198.51.100.1")
        #expect(harness.updates(to: "198.51.100.2").isEmpty)
    }

    @Test func eBGPPeersGetOurASPrependedAndNoLocalPreference() throws {
        harness.peerUp("192.0.2.1", families: [.l2vpnEVPN], peerAS: 65001)
        let sent = try #require(harness.announced(to: "192.0.2.1").first { $0.nlri.family == .l2vpnEVPN })
        #expect(sent.attributes.asPath == [ASPathSegment(kind: .sequence, asns: [64512])])
        #expect(sent.attributes.localPreference == nil)
    }

    @Test func eBGPRoutesReachIBGPPeersWithTheDefaultLocalPreference() throws {
        harness.peerUp("192.0.2.1", families: [.l2vpnEVPN], peerAS: 65001)
        harness.peerUp("198.51.100.1")
        var attributes = Routes.attributes()
        attributes.asPath = [ASPathSegment(kind: .sequence, asns: [65001])]
        attributes.localPreference = nil
        attributes.multiExitDiscriminator = 7
        let route = Routes.macIP(rd: "192.0.2.1:1", mac: "52:54:00:00:00:0e")
        harness.receive(Routes.announce([route], nextHop: "192.0.2.1", attributes: attributes), from: "192.0.2.1")
        let sent = try #require(harness.announced(to: "198.51.100.1").first { $0.nlri == .evpn(route) })
        #expect(sent.attributes.localPreference == 100)
        #expect(sent.attributes.asPath == [ASPathSegment(kind: .sequence, asns: [65001])])
        #expect(sent.attributes.multiExitDiscriminator == 7)
    }

    /// RFC 7606 §7.5, §7.9, §7.10: internal-only attributes from an external peer are discarded, so a
    /// LOCAL_PREF of 500 cannot win the decision and a foreign ORIGINATOR_ID equal to ours cannot drop it.
    @Test func eBGPRoutesLoseInternalOnlyAttributes() throws {
        harness.peerUp("192.0.2.1", families: [.l2vpnEVPN], peerAS: 65001)
        var attributes = Routes.attributes()
        attributes.asPath = [ASPathSegment(kind: .sequence, asns: [65001])]
        attributes.localPreference = 500
        attributes.originatorID = harness.router.configuration.routerID
        attributes.clusterList = [IPv4Address("192.0.2.99")!]
        let route = Routes.macIP(rd: "192.0.2.1:1", mac: "52:54:00:00:00:0f")
        harness.receive(Routes.announce([route], nextHop: "192.0.2.1", attributes: attributes), from: "192.0.2.1")
        let held = try #require(harness.router.ribSnapshot(.l2vpnEVPN).first { $0.nlri == .evpn(route) })
        #expect(held.attributes.localPreference == nil)
        #expect(held.attributes.originatorID == nil)
        #expect(held.attributes.clusterList.isEmpty)
    }

    @Test func eBGPRoutesWithOurASAreDropped() {
        harness.peerUp("192.0.2.1", families: [.l2vpnEVPN], peerAS: 65001)
        var attributes = Routes.attributes()
        attributes.asPath = [ASPathSegment(kind: .sequence, asns: [65001, 64512])]
        harness.receive(Routes.announce([Routes.macIP(rd: "192.0.2.1:1", mac: "52:54:00:00:00:0e")], nextHop: "192.0.2.1",
                                        attributes: attributes), from: "192.0.2.1")
        #expect(harness.router.summary().receivedRoutes == 0)
    }

    @Test func routeRefreshSendsEverythingAgain() {
        harness.peerUp()
        let first = harness.announced().map(\.nlri)
        harness.output.forget()
        harness.router.routeRefresh(.l2vpnEVPN, from: ip(Harness.peerAddress))
        #expect(harness.announced().map(\.nlri) == first)
        #expect(first.count == 2)
    }

    @Test func updatesFromUnknownPeersAndFamiliesAreIgnored() {
        harness.peerUp(families: [.routeTargetConstraint])
        harness.receive(Routes.announce([Routes.macIP(rd: "198.51.100.12:1", mac: "52:54:00:00:00:0b")], nextHop: "198.51.100.12"))
        harness.router.receive(Routes.announce([Routes.macIP(rd: "198.51.100.12:1", mac: "52:54:00:00:00:0c")],
                                               nextHop: "198.51.100.12"), from: ip("198.51.100.77"))
        #expect(harness.router.summary().receivedRoutes == 0)
    }

    @Test func sessionRestartReplacesThePeersRoutes() {
        harness.peerUp()
        let route = Routes.macIP(rd: "198.51.100.12:1", mac: "52:54:00:00:00:0b")
        harness.receive(Routes.announce([route], nextHop: "198.51.100.12"))
        // The session comes up again without going down first (collision, restart): old routes are flushed.
        harness.peerUp()
        #expect(harness.router.summary().receivedRoutes == 0)
        #expect(harness.intents.last == .removeRemoteMAC(externalID: "red", mac: mac("52:54:00:00:00:0b"),
                                                         vtep: ip("198.51.100.12"), vni: 5000))
    }

    @Test func manyRoutesArePackedIntoFewMessages() throws {
        harness.peerUp()
        for index in 0..<300 {
            try harness.router.attach(attachRequest("red", mac: "52:54:00:01:\(String(index / 256, radix: 16)):\(String(index % 256, radix: 16))",
                                                    port: "tap\(index)"))
        }
        harness.output.forget()
        harness.router.routeRefresh(.l2vpnEVPN, from: ip(Harness.peerAddress))
        let messages = harness.output.messages.map(\.bytes)
        #expect(messages.allSatisfy { $0.count <= 4096 })
        #expect(messages.count < 10)
        let carried = messages.compactMap { bytes -> Int? in
            guard case .update(let update) = try? BGPMessage.decode(bytes, context: TestNetwork.context) else { return nil }
            return update.announcedNLRI.count
        }.reduce(0, +)
        #expect(carried == 302)
    }
}
