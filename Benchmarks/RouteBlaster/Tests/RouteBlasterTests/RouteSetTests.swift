import BGPWire
import NetAddress
import Testing
@testable import RouteBlaster

/// The blaster's streams, decoded back with BGPWire: every route once, in its group, within the size limit.
struct RouteSetTests {
    let set = RouteSet(count: 1000, routeTargets: 7, asn: 64512, rtBase: 100, vniBase: 5000,
                       nextHop: IPv4Address(192, 0, 2, 1))

    private func decode(_ stream: EncodedStream, context: CodecContext) throws -> [UpdateMessage] {
        var framer = MessageFramer(maximumMessageLength: context.maximumMessageLength)
        framer.append(stream.bytes)
        var updates: [UpdateMessage] = []
        while let bytes = try framer.nextMessage() {
            guard case .update(let update) = try BGPMessage.decode(bytes, context: context) else {
                Issue.record("not an UPDATE")
                continue
            }
            updates.append(update)
        }
        #expect(framer.bufferedByteCount == 0)
        return updates
    }

    @Test(arguments: [false, true])
    func announcementsCarryEveryRouteOnceWithItsGroup(extended: Bool) throws {
        let context = CodecContext(extendedMessage: extended)
        let stream = set.announcements(context: context)
        let updates = try decode(stream, context: context)
        #expect(updates.count == stream.messageCount)
        var seen = Set<MACAddress>()
        for update in updates {
            let reach = try #require(update.attributes.mpReach)
            #expect(reach.nextHops == [.v4(IPv4Address(192, 0, 2, 1))])
            #expect(update.attributes.extendedCommunities.contains(.encapsulation(.vxlan)))
            let target = try #require(update.attributes.routeTargets.first)
            for case .evpn(.macIPAdvertisement(let route)) in reach.nlri {
                let index = Int(route.mac.rawValue & 0xFFFF_FFFF)
                let group = (0..<7).last { set.groupStart($0) <= index }!
                #expect(target == set.routeTarget(ofGroup: group))
                #expect(route.label1 == 5000 + UInt32(group))
                #expect(route.ip == .v4(IPv4Address(rawValue: 0x0A00_0000 + UInt32(index))))
                #expect(seen.insert(route.mac).inserted)
            }
        }
        #expect(seen.count == 1000)
        #expect(stream.bytes.count <= stream.messageCount * context.maximumMessageLength)
    }

    @Test func withdrawalsCarryEveryRoute() throws {
        let context = CodecContext()
        let updates = try decode(set.withdrawals(context: context), context: context)
        let withdrawn = updates.flatMap { $0.attributes.mpUnreach?.nlri ?? [] }
        #expect(withdrawn.count == 1000)
        #expect(Set(withdrawn).count == 1000)
    }

    @Test func routesPerUpdateCapsEachMessage() throws {
        var oneByOne = set
        oneByOne.routesPerUpdate = 1
        let context = CodecContext()
        let stream = oneByOne.announcements(context: context)
        #expect(stream.messageCount == 1000)
        let updates = try decode(stream, context: context)
        #expect(updates.allSatisfy { $0.attributes.mpReach?.nlri.count == 1 })
        #expect(oneByOne.withdrawals(context: context).messageCount == 1000)
    }

    @Test func macOnlyRoutesHaveNoIP() throws {
        var macOnly = set
        macOnly.macOnly = true
        let context = CodecContext()
        let updates = try decode(macOnly.announcements(context: context), context: context)
        for update in updates {
            for case .evpn(.macIPAdvertisement(let route)) in update.attributes.mpReach?.nlri ?? [] {
                #expect(route.ip == nil)
            }
        }
    }
}
