import Testing
import NetAddress
@testable import BGPWire

/// Checks our decoding of every captured message against what tshark, an independent decoder, saw in
/// it (Fixtures/expected-facts.py): the same facts are rebuilt here from the decoded values.
@Suite struct CapturedFactsTests {
    static let files = Fixtures.captureNames

    static var cases: [(CapturedMessage, String)] {
        files.flatMap { name in
            zip(Fixtures.messages(name + ".messages"), Fixtures.text(name + ".facts").split(separator: "\n").map(String.init))
                .map { ($0, $1) }
        }
    }

    @Test(arguments: cases)
    func decodedValuesMatchTshark(captured: CapturedMessage, expected: String) throws {
        let decoded = try BGPMessage.decode(captured.bytes, context: CodecContext())
        #expect(Self.facts(of: decoded) == expected)
    }

    static func facts(of message: BGPMessage) -> String {
        var facts = ["type=\(message.typeCode)"]
        switch message {
        case .open(let open):
            facts += ["as=\(open.myAS)", "hold=\(open.holdTime)", "id=\(open.bgpIdentifier)"]
            facts += open.capabilities.map { "cap=\($0.code):\(hex($0.encodedValue()))" }
        case .update(let update):
            facts += update.withdrawnRoutes.map { "withdrawn=\($0)" }
            for entry in update.attributes.wireLayout.entries {
                facts.append("attr=\(entry.type)/\(hex([entry.flags]))")
                facts += attributeFacts(entry.type, update.attributes)
            }
            facts += update.nlri.map { "nlri=\($0)" }
        default:
            break
        }
        return facts.joined(separator: " ; ")
    }

    static func attributeFacts(_ type: UInt8, _ attributes: PathAttributes) -> [String] {
        switch type {
        case 1: return ["value=\(attributes.origin!.rawValue)"]
        case 2: return attributes.asPath.map { "segment=\($0.kind.rawValue):" + $0.asns.map(String.init).joined(separator: ",") }
        case 3: return ["value=\(attributes.nextHop!)"]
        case 4: return ["value=\(attributes.multiExitDiscriminator!)"]
        case 5: return ["value=\(attributes.localPreference!)"]
        case 7: return ["value=\(attributes.aggregator!.asn)@\(attributes.aggregator!.address)"]
        case 8: return attributes.communities.map { "community=" + hex(bytesOf($0)) }
        case 9: return ["value=\(attributes.originatorID!)"]
        case 10: return attributes.clusterList.map { "cluster=\($0)" }
        case 14:
            let reach = attributes.mpReach!
            return ["reach=\(reach.family.afi)/\(reach.family.safi)"] + reach.nextHops.map { "nexthop=\($0)" } + reach.nlri.flatMap(nlriFacts)
        case 15:
            let unreach = attributes.mpUnreach!
            return ["unreach=\(unreach.family.afi)/\(unreach.family.safi)"] + unreach.nlri.flatMap(nlriFacts)
        case 16:
            return attributes.extendedCommunities.flatMap { community -> [String] in
                var facts = ["ecom=" + hex(bytesOf(community.wireValue))]
                switch community {
                case .routeTarget(let target) where target.type == 0: facts.append("rt=\(target)")
                case .encapsulation(let tunnel): facts.append("encap=\(tunnel.rawValue)")
                default: break
                }
                return facts
            }
        case 22:
            let tunnel = attributes.pmsiTunnel!
            return ["pmsi=\(tunnel.flags)/\(tunnel.tunnelType)/\(label(tunnel.label))/\(hex(tunnel.tunnelIdentifier))"]
        case 32: return attributes.largeCommunities.map { "large=\($0)" }
        default: return []
        }
    }

    static func nlriFacts(_ nlri: NLRI) -> [String] {
        switch nlri {
        case .evpn(let route):
            var facts = ["evpn=\(route.routeType)"]
            switch route {
            case .ethernetAutoDiscovery(let r):
                facts += ["rd=\(r.routeDistinguisher)", "esi=\(hex(r.esi.bytes))", "etag=\(r.ethernetTag)", "label=\(label(r.label))"]
            case .macIPAdvertisement(let r):
                facts += ["rd=\(r.routeDistinguisher)", "esi=\(hex(r.esi.bytes))", "etag=\(r.ethernetTag)", "mac=\(r.mac)"]
                facts += r.ip.map { ["ip=\($0)"] } ?? []
                facts += ["label=\(label(r.label1))"] + (r.label2.map { ["label=\(label($0))"] } ?? [])
            case .inclusiveMulticast(let r):
                facts += ["rd=\(r.routeDistinguisher)", "etag=\(r.ethernetTag)", "ip=\(r.originator)"]
            case .ethernetSegment(let r):
                facts += ["rd=\(r.routeDistinguisher)", "esi=\(hex(r.esi.bytes))", "ip=\(r.originator)"]
            case .ipPrefix(let r):
                // tshark 4.0 shows no label for type 5 (checked in GoBGPVectorTests instead).
                facts += ["rd=\(r.routeDistinguisher)", "esi=\(hex(r.esi.bytes))", "etag=\(r.ethernetTag)",
                          "prefix=\(r.prefix)", "gateway=\(r.gateway)"]
            case .unknown:
                break
            }
            return facts
        case .routeTargetMembership(let membership):
            var facts = ["rtc=\(membership.prefixLength)"]
            if membership.prefixLength > 0 { facts.append("origin_as=\(membership.originAS)") }
            if membership.prefixLength > 32 {
                facts.append("rt_prefix=" + hex(Array(bytesOf(membership.routeTarget.rawValue).prefix((Int(membership.prefixLength) - 32 + 7) / 8))))
            }
            return facts
        case .ipv4Unicast(let prefix), .ipv6Unicast(let prefix):
            return ["prefix=\(prefix)"]
        }
    }

    static func label(_ value: UInt32) -> String { hex([UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]) }

    static func bytesOf<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<T.bitWidth / 8).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
}
