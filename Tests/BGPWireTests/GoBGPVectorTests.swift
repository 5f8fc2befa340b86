import Testing
import NetAddress
@testable import BGPWire

/// Expected values for the routes injected into gobgpd by Fixtures/make-gobgp-vectors.sh.
@Suite struct GoBGPVectorTests {
    static let updates: [UpdateMessage] = Fixtures.messages("gobgp-evpn-types.messages").compactMap {
        if case .update(let update) = try? BGPMessage.decode($0.bytes, context: CodecContext()) { update } else { nil }
    }

    static func reached(_ matching: (EVPNRoute) -> Bool) -> [(EVPNRoute, PathAttributes)] {
        updates.flatMap { update in
            (update.attributes.mpReach?.nlri ?? []).compactMap { nlri in
                if case .evpn(let route) = nlri, matching(route) { (route, update.attributes) } else { nil }
            }
        }
    }

    let sender = IPAddress("192.0.2.1")!
    let v6 = IPAddress("2001:db8::1")!

    @Test func ethernetAutoDiscoveryWithESILabel() throws {
        let routes = Self.reached { $0.routeType == 1 }
        #expect(routes.count == 2)
        let (route, attributes) = try #require(routes.first { $0.0.routeDistinguisher == RouteDistinguisher("192.0.2.1:10") })
        #expect(route == .ethernetAutoDiscovery(EthernetAutoDiscoveryRoute(
            routeDistinguisher: RouteDistinguisher("192.0.2.1:10")!, esi: EthernetSegmentIdentifier("00:00:11:22:33:44:55:66:77:88")!,
            ethernetTag: 0, label: 100)))
        #expect(attributes.extendedCommunities == [.routeTarget(RouteTarget("64512:10")!), .esiLabel(singleActive: false, label: 200)])
        let asBased = try #require(routes.first { $0.0.routeDistinguisher == RouteDistinguisher("192.0.2.1:12") })
        guard case .ethernetAutoDiscovery(let ad) = asBased.0 else { return }
        #expect(ad.esi.type == 5)
        #expect(ad.ethernetTag == UInt32.max)  // MAX-ET: per-ES route
    }

    @Test func macIPAdvertisementWithIPv6AndTwoLabels() throws {
        let (route, attributes) = try #require(Self.reached { $0.routeType == 2 }.first {
            if case .macIPAdvertisement(let r) = $0.0 { r.ip == v6 } else { false }
        })
        #expect(route == .macIPAdvertisement(MACIPAdvertisementRoute(
            routeDistinguisher: RouteDistinguisher("192.0.2.1:10")!, esi: EthernetSegmentIdentifier("01:52:54:00:00:00:aa:00:64:00")!,
            mac: MACAddress("52:54:00:00:00:01")!, ip: v6, label1: 1000, label2: 5000)))
        #expect(attributes.extendedCommunities.contains(.routerMAC(MACAddress("52:54:00:00:00:ff")!)))
    }

    @Test func macOnlyRouteWithDefaultGateway() throws {
        let (route, attributes) = try #require(Self.reached {
            if case .macIPAdvertisement(let r) = $0 { r.ip == nil } else { false }
        }.first)
        guard case .macIPAdvertisement(let r) = route else { return }
        #expect(r.mac == MACAddress("52:54:00:00:00:02"))
        #expect(r.label2 == nil)
        #expect(attributes.extendedCommunities.contains(.defaultGateway))
    }

    @Test func inclusiveMulticastWithIPv6Originator() throws {
        let (route, attributes) = try #require(Self.reached { $0.routeType == 3 }.first)
        #expect(route == .inclusiveMulticast(InclusiveMulticastRoute(routeDistinguisher: RouteDistinguisher("192.0.2.1:10")!, originator: v6)))
        #expect(attributes.pmsiTunnel == .ingressReplication(endpoint: v6, label: 1000))
    }

    @Test func ethernetSegmentRoutes() throws {
        let routes = Self.reached { $0.routeType == 4 }
        #expect(routes.count == 2)
        let (route, attributes) = try #require(routes.first { $0.0.routeDistinguisher == RouteDistinguisher("192.0.2.1:20") })
        #expect(route == .ethernetSegment(EthernetSegmentRoute(
            routeDistinguisher: RouteDistinguisher("192.0.2.1:20")!, esi: EthernetSegmentIdentifier("03:52:54:00:00:00:03:00:00:09")!,
            originator: sender)))
        #expect(attributes.extendedCommunities.contains(.esImportRouteTarget(MACAddress("52:54:00:00:00:03")!)))
        #expect(routes.contains { if case .ethernetSegment(let r) = $0.0 { r.originator == v6 && r.esi.type == 4 } else { false } })
    }

    @Test func ipPrefixRoutes() throws {
        let routes = Self.reached { $0.routeType == 5 }
        #expect(routes.map(\.0).contains(.ipPrefix(IPPrefixRoute(
            routeDistinguisher: RouteDistinguisher("192.0.2.1:30")!, prefix: IPPrefix("203.0.113.0/24")!, gateway: sender, label: 3000))))
        #expect(routes.map(\.0).contains(.ipPrefix(IPPrefixRoute(
            routeDistinguisher: RouteDistinguisher("64512:30")!, esi: EthernetSegmentIdentifier("01:52:54:00:00:00:aa:00:07:00")!,
            ethernetTag: 7, prefix: IPPrefix("2001:db8:1::/64")!, gateway: v6, label: 3000))))
    }

    @Test func unicastWithLargeCommunitiesAndFourOctetASNumbers() throws {
        let update = try #require(Self.updates.first { !$0.nlri.isEmpty })
        #expect(update.nlri == [IPPrefix("198.51.100.0/24")!])
        let attributes = update.attributes
        #expect(attributes.nextHop == IPv4Address("192.0.2.1"))
        #expect(attributes.asPath == [ASPathSegment(kind: .sequence, asns: [65001, 4_200_000_000])])
        #expect(attributes.multiExitDiscriminator == 10)
        #expect(attributes.communities == [64512 << 16 | 100])
        #expect(attributes.largeCommunities == [LargeCommunity(64512, 1, 2), LargeCommunity(4_200_000_000, 3, 4)])
        #expect(attributes.aggregator == Aggregator(asn: 4_200_000_000, address: IPv4Address("192.0.2.9")!))
        let v6Update = try #require(Self.updates.first { $0.attributes.mpReach?.family == .ipv6Unicast })
        #expect(v6Update.attributes.mpReach?.nlri == [.ipv6Unicast(IPPrefix("2001:db8:2::/48")!)])
        #expect(v6Update.attributes.largeCommunities == [LargeCommunity(64512, 5, 6)])
    }

    @Test func withdrawals() throws {
        let withdrawn = Self.updates.flatMap(\.withdrawnNLRI)
        #expect(withdrawn.contains(.ipv4Unicast(IPPrefix("198.51.100.0/24")!)))
        #expect(withdrawn.contains { if case .evpn(.ipPrefix(let r)) = $0 { r.prefix == IPPrefix("203.0.113.0/24") } else { false } })
        #expect(withdrawn.contains { if case .evpn(.macIPAdvertisement(let r)) = $0 { r.mac == MACAddress("52:54:00:00:00:02") } else { false } })
    }
}
