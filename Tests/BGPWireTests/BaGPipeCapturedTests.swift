import Testing
import NetAddress
@testable import BGPWire

/// The bytes BaGPipe (exabgp 4.2) sent, as captured in reference/bagpipe.md §5–§6.
@Suite struct BaGPipeCapturedTests {
    static let open = message("003d 0104 fc00 00b4 7f000001 20 0206 0104 00010080 0206 0104 00010084 0206 0104 00010086 0206 0104 00190046")
    /// Type 2 as BaGPipe sent it in vectors/mixed-bagpipe-frr-gobgp-rr.pcap frame 31 (the §6 sample in
    /// bagpipe.md lists a third extended community but keeps this message's length fields).
    static let type2Hex = """
        006b 02 0000 0054 40010100 400200 40050400000064 c01010 030c000000000008 0002fc0000000050 \
        800e30 0019 46 04 c633640b 00 02 25 0001c633640b0000 00000000000000000000 00000000 30 32713e8fb551 20 cb00710a 000010
        """
    static let type2 = message(type2Hex)
    static let type3 = message("""
        0063 02 0000 004c 40010100 400200 40050400000064 c01010 030c000000000008 0002fc000000004f c01609 00 06 001392 7f000001 \
        800e1c 0019 46 04 7f000001 00 03 11 00017f0000010000 00000000 20 7f000001
        """)
    static let routeTargetMembership = message("003e 02 0000 0027 40010100 400200 40050400000064 800e16 0001 84 04 7f000001 00 60 0000fc00 0002fc000000004f")

    let context = CodecContext()
    let localhost = IPv4Address(127, 0, 0, 1)
    let node1 = IPv4Address(198, 51, 100, 11)
    static let type2Route = MACIPAdvertisementRoute(routeDistinguisher: .ipv4(IPv4Address(198, 51, 100, 11), 0),
                                                    mac: MACAddress("32:71:3e:8f:b5:51")!, ip: .v4(IPv4Address(203, 0, 113, 10)), label1: 16)

    @Test func openDecodesAndReencodes() throws {
        let decoded = try BGPMessage.decode(Self.open, context: context)
        guard case .open(let open) = decoded else { Issue.record("not an OPEN: \(decoded)"); return }
        #expect(open.myAS == 64512)
        #expect(open.holdTime == 180)
        #expect(open.bgpIdentifier == localhost)
        #expect(open.capabilities == [.multiprotocol(AddressFamily(afi: 1, safi: 128)), .multiprotocol(.routeTargetConstraint),
                                      .multiprotocol(AddressFamily(afi: 1, safi: 134)), .multiprotocol(.l2vpnEVPN)])
        #expect(open.capabilityGrouping == .onePerParameter)
        #expect(decoded.encoded(context: context) == Self.open)
    }

    @Test func type2DecodesToBaGPipeRoute() throws {
        let decoded = try BGPMessage.decode(Self.type2, context: context)
        guard case .update(let update) = decoded else { Issue.record("not an UPDATE"); return }
        #expect(!update.treatAsWithdraw)
        #expect(update.malformedReason == nil)
        let attributes = update.attributes
        #expect(attributes.origin == .igp)
        #expect(attributes.asPath.isEmpty)
        #expect(attributes.localPreference == 100)
        #expect(attributes.extendedCommunities == [.encapsulation(.vxlan), .routeTarget(.twoOctetAS(64512, 80))])
        #expect(attributes.mpReach?.family == .l2vpnEVPN)
        #expect(attributes.mpReach?.nextHops == [.v4(node1)])
        #expect(attributes.mpReach?.nlri == [.evpn(.macIPAdvertisement(Self.type2Route))])
        #expect(decoded.encoded(context: context) == Self.type2)
    }

    @Test func type3DecodesWithPMSITunnel() throws {
        let decoded = try BGPMessage.decode(Self.type3, context: context)
        guard case .update(let update) = decoded else { Issue.record("not an UPDATE"); return }
        #expect(update.attributes.pmsiTunnel == .ingressReplication(endpoint: .v4(localhost), label: 5010))
        let route = InclusiveMulticastRoute(routeDistinguisher: .ipv4(localhost, 0), originator: .v4(localhost))
        #expect(update.attributes.mpReach?.nlri == [.evpn(.inclusiveMulticast(route))])
        #expect(decoded.encoded(context: context) == Self.type3)
    }

    @Test func routeTargetMembershipDecodes() throws {
        let decoded = try BGPMessage.decode(Self.routeTargetMembership, context: context)
        guard case .update(let update) = decoded else { Issue.record("not an UPDATE"); return }
        let membership = RouteTargetMembership(originAS: 64512, routeTarget: .twoOctetAS(64512, 79))
        #expect(update.attributes.mpReach?.family == .routeTargetConstraint)
        #expect(update.attributes.mpReach?.nlri == [.routeTargetMembership(membership)])
        #expect(decoded.encoded(context: context) == Self.routeTargetMembership)
    }

    @Test func locallyBuiltType2MatchesBaGPipeBytes() {
        var attributes = PathAttributes()
        attributes.origin = .igp
        attributes.localPreference = 100
        attributes.extendedCommunities = [.encapsulation(.vxlan), .routeTarget(.twoOctetAS(64512, 80))]
        let nlri = [NLRI.evpn(.macIPAdvertisement(Self.type2Route))]
        var withReach = attributes
        withReach.mpReach = MPReach(family: .l2vpnEVPN, nextHops: [.v4(node1)], nlri: nlri)
        #expect(BGPMessage.update(UpdateMessage(attributes: withReach)).encoded(context: context) == Self.type2)

        // The packer always gives MP_REACH_NLRI a 2-byte length (so it can grow past 255); otherwise the same bytes.
        let packed = UpdateMessage.packed(reach: nlri, family: .l2vpnEVPN, nextHop: .v4(node1), attributes: attributes, context: context)
        let expected = message(Self.type2Hex.replacing("006b 02 0000 0054", with: "006c 02 0000 0055")
                                            .replacing("800e30", with: "900e0030"))
        #expect(packed.map(hex) == [hex(expected)])
    }

    @Test func legacyShiftedVNIReadsAndWritesBothWays() throws {
        var legacy = context
        legacy.legacyShiftedVNI = true
        // 2016 BaGPipe: label VNI << 4 | 1 in the NLRI, VNI << 4 in the PMSI tunnel attribute.
        let vni: UInt32 = 16
        var shifted2 = Self.type2
        shifted2.replaceSubrange(shifted2.count - 3..<shifted2.count, with: [UInt8(vni >> 12), UInt8((vni >> 4) & 0xFF), UInt8((vni & 0xF) << 4 | 1)])
        guard case .update(let update) = try BGPMessage.decode(shifted2, context: legacy),
              case .evpn(.macIPAdvertisement(let route)) = update.attributes.mpReach?.nlri.first else {
            Issue.record("no type-2 route"); return
        }
        #expect(route.label1 == vni)
        #expect(BGPMessage.update(update).encoded(context: legacy) == shifted2)

        var shifted3 = Self.type3
        let pmsiLabel = 61  // offset of the PMSI label in the type-3 message
        #expect(Array(shifted3[pmsiLabel..<pmsiLabel + 3]) == [0x00, 0x13, 0x92])
        shifted3.replaceSubrange(pmsiLabel..<pmsiLabel + 3, with: [UInt8(vni >> 12), UInt8((vni >> 4) & 0xFF), UInt8((vni & 0xF) << 4)])
        guard case .update(let update3) = try BGPMessage.decode(shifted3, context: legacy) else { Issue.record("not an UPDATE"); return }
        #expect(update3.attributes.pmsiTunnel?.label == vni)
        #expect(BGPMessage.update(update3).encoded(context: legacy) == shifted3)
    }
}
