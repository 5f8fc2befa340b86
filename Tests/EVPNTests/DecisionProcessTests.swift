import BGPWire
@testable import EVPN
import NetAddress
import Testing

/// RFC 4271 §9.1.2.2 with RFC 4456 §9, one step at a time: each test builds two paths that tie
/// on every earlier step and differ on the one under test.
@Suite struct DecisionProcessTests {
    struct Source {
        var external = false
        var routerID = "10.0.0.1"
        var address = "198.51.100.1"
    }

    private func path(_ source: UInt32, _ configure: (inout PathAttributes) -> Void = { _ in }) -> Path {
        var attributes = PathAttributes()
        attributes.origin = .igp
        attributes.localPreference = 100
        configure(&attributes)
        return Path(source: SourceID(rawValue: source), label: 0,
                    attributes: AttributeSet(attributes: attributes, nextHop: ip("198.51.100.99")), fullRoute: nil)
    }

    private func best(_ paths: [Path], sources: [UInt32: Source]) -> Int {
        DecisionProcess(localAS: 64512, defaultLocalPreference: 100, facts: { source in
            guard let facts = sources[source.rawValue] else {
                return SourceFacts(isLocal: true, isExternal: false, routerID: IPv4Address("198.51.100.11")!,
                                   address: ip("198.51.100.11"))
            }
            return SourceFacts(isLocal: false, isExternal: facts.external, routerID: IPv4Address(facts.routerID)!,
                               address: ip(facts.address))
        }).best(of: paths)
    }

    private let two: [UInt32: Source] = [1: Source(routerID: "10.0.0.1", address: "198.51.100.1"),
                                         2: Source(routerID: "10.0.0.2", address: "198.51.100.2")]

    @Test func ourOwnPathWinsOverAnyReceivedOne() {
        #expect(best([path(1) { $0.localPreference = 500 }, path(0)], sources: two) == 1)
    }

    @Test func higherLocalPreference() {
        #expect(best([path(1), path(2) { $0.localPreference = 200 }], sources: two) == 1)
    }

    @Test func localPreferenceFromEBGPIsIgnored() {
        var sources = two
        sources[2]!.external = true
        // The eBGP path's LOCAL_PREF 200 counts as the default 100; it then wins on "eBGP over iBGP".
        #expect(best([path(1) { $0.localPreference = 150 }, path(2) { $0.localPreference = 200 }], sources: sources) == 0)
    }

    @Test func shorterASPath() {
        let long = path(1) { $0.asPath = [ASPathSegment(kind: .sequence, asns: [65001, 65002])] }
        let short = path(2) { $0.asPath = [ASPathSegment(kind: .sequence, asns: [65003]),
                                           ASPathSegment(kind: .confedSequence, asns: [1, 2, 3])] }
        #expect(best([long, short], sources: two) == 1)
        // An AS_SET counts one.
        let set = path(1) { $0.asPath = [ASPathSegment(kind: .set, asns: [65001, 65002, 65004])] }
        #expect(best([long, set], sources: two) == 1)
    }

    @Test func lowerOrigin() {
        #expect(best([path(1) { $0.origin = .incomplete }, path(2) { $0.origin = .egp }], sources: two) == 1)
    }

    @Test func lowerMEDOnlyAmongTheSameNeighbourAS() {
        let fromA = path(1) { $0.asPath = [ASPathSegment(kind: .sequence, asns: [65001])]; $0.multiExitDiscriminator = 50 }
        let fromALower = path(2) { $0.asPath = [ASPathSegment(kind: .sequence, asns: [65001])]; $0.multiExitDiscriminator = 10 }
        #expect(best([fromA, fromALower], sources: two) == 1)
        // Different neighbouring ASes: MED is not compared, the router id decides (10.0.0.1).
        let fromB = path(2) { $0.asPath = [ASPathSegment(kind: .sequence, asns: [65002])]; $0.multiExitDiscriminator = 10 }
        #expect(best([fromA, fromB], sources: two) == 0)
    }

    @Test func externalOverInternal() {
        var sources = two
        sources[2]!.external = true
        #expect(best([path(1), path(2)], sources: sources) == 1)
    }

    @Test func lowerOriginatorIDStandsForTheRouterID() {
        let reflected = path(1) { $0.originatorID = IPv4Address("10.9.9.9") }
        #expect(best([reflected, path(2)], sources: two) == 1)
        let reflectedLow = path(1) { $0.originatorID = IPv4Address("10.0.0.0") }
        #expect(best([path(2), reflectedLow], sources: two) == 1)
    }

    @Test func shorterClusterListThenLowerPeerAddress() {
        let sameOriginator: [UInt32: Source] = [1: Source(routerID: "10.0.0.1", address: "198.51.100.2"),
                                                2: Source(routerID: "10.0.0.1", address: "198.51.100.1")]
        let longer = path(1) { $0.clusterList = [IPv4Address("1.1.1.1")!, IPv4Address("2.2.2.2")!] }
        let shorter = path(2) { $0.clusterList = [IPv4Address("3.3.3.3")!] }
        #expect(best([longer, shorter], sources: sameOriginator) == 1)
        #expect(best([path(1), path(2)], sources: sameOriginator) == 1)
    }

    @Test func routerDecidesBetweenTwoReflectors() {
        // The same route through two reflectors: identical except CLUSTER_LIST length.
        let harness = Harness()
        harness.peerUp("198.51.100.1")
        harness.peerUp("198.51.100.2")
        var viaTwo = Routes.attributes()
        viaTwo.originatorID = IPv4Address("198.51.100.12")
        viaTwo.clusterList = [IPv4Address("198.51.100.2")!, IPv4Address("198.51.100.3")!]
        var viaOne = viaTwo
        viaOne.clusterList = [IPv4Address("198.51.100.1")!]
        let route = Routes.macIP(rd: "198.51.100.12:1", mac: "52:54:00:00:00:0b")
        harness.receive(Routes.announce([route], nextHop: "198.51.100.12", attributes: viaTwo), from: "198.51.100.2")
        harness.receive(Routes.announce([route], nextHop: "198.51.100.12", attributes: viaOne), from: "198.51.100.1")
        let best = harness.router.ribSnapshot(.l2vpnEVPN).filter(\.isBest)
        #expect(best.map(\.source) == [.peer(ip("198.51.100.1"))])
        #expect(harness.router.ribSnapshot(.l2vpnEVPN).count == 2)
        // Losing that reflector falls back to the other path.
        harness.router.peerDown(ip("198.51.100.1"))
        #expect(harness.router.ribSnapshot(.l2vpnEVPN).map(\.source) == [.peer(ip("198.51.100.2"))])
    }
}
