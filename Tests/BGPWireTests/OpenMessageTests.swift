import Testing
import NetAddress
@testable import BGPWire

@Suite struct OpenMessageTests {
    /// FRR 8.4 (mixed capture, 198.51.100.21): one capability per optional parameter.
    static let frr = message("""
        005e 01 04 fc00 00b4 c6336415 41 0206 0104 00190046 0202 8000 0202 0200 0202 4600 0206 4104 0000fc00 0202 0600 \
        0206 4504 00194601 0206 4904 02 6631 00 0204 4002 c078 0209 4707 00194680 000000
        """)
    /// GoBGP 3.10 (route reflector 198.51.100.1): every capability in one optional parameter.
    static let gobgp = message("0047 01 04 fc00 005a c6336401 2a 0228 0200 4904 02766d00 0104 00190046 0104 00010084 4104 0000fc00 050c 001900460002000100840002")

    @Test func frrCapabilities() throws {
        guard case .open(let open) = try BGPMessage.decode(Self.frr, context: CodecContext()) else { Issue.record("not an OPEN"); return }
        #expect(open.bgpIdentifier == IPv4Address("198.51.100.21"))
        #expect(open.capabilities == [
            .multiprotocol(.l2vpnEVPN), .unknown(code: 128, value: []), .routeRefresh, .enhancedRouteRefresh, .fourOctetAS(64512),
            .extendedMessage, .addPath([AddPathEntry(family: .l2vpnEVPN, mode: .receive)]), .fqdn(hostName: "f1", domainName: ""),
            .gracefulRestart(GracefulRestartCapability(restartState: true, notificationSupport: true, restartTime: 120, families: [])),
            .longLivedGracefulRestart([LongLivedGracefulRestartEntry(family: .l2vpnEVPN, forwardingStatePreserved: true, staleTime: 0)]),
        ])
        #expect(open.autonomousSystem == 64512)
        #expect(BGPMessage.open(open).encoded(context: CodecContext()) == Self.frr)
    }

    @Test func gobgpCapabilitiesInOneParameter() throws {
        guard case .open(let open) = try BGPMessage.decode(Self.gobgp, context: CodecContext()) else { Issue.record("not an OPEN"); return }
        #expect(open.holdTime == 90)
        #expect(open.capabilityGrouping == .singleParameter)
        #expect(open.capabilities.first == .routeRefresh)
        // Code 5 (extended next hop, RFC 8950) is not modelled and is kept raw.
        #expect(open.capabilities.last == .unknown(code: 5, value: bytes("001900460002000100840002")))
        #expect(BGPMessage.open(open).encoded(context: CodecContext()) == Self.gobgp)
    }

    @Test func longParametersUseTheExtendedFormat() throws {
        var open = OpenMessage(myAS: OpenMessage.asTrans, holdTime: 90, bgpIdentifier: IPv4Address("192.0.2.1")!,
                               capabilities: [.fourOctetAS(4_200_000_000)])
        open.capabilities += (1...70).map { .multiprotocol(AddressFamily(afi: 1, safi: UInt8($0))) }
        let encoded = BGPMessage.open(open).encoded(context: CodecContext())
        #expect(Array(encoded[28...30]) == [255, 255, UInt8((71 * 9) >> 8)])  // RFC 9072 §2
        guard case .open(let decoded) = try BGPMessage.decode(encoded, context: CodecContext()) else { Issue.record("not an OPEN"); return }
        #expect(decoded.capabilities == open.capabilities)
        #expect(decoded.usesExtendedParameters)
        #expect(decoded.autonomousSystem == 4_200_000_000)
    }

    @Test func malformedKnownCapabilityIsKeptRaw() throws {
        let open = message("0023 01 04 fc00 005a c6336401 06 0204 4102 fc00")
        guard case .open(let decoded) = try BGPMessage.decode(open, context: CodecContext()) else { Issue.record("not an OPEN"); return }
        #expect(decoded.capabilities == [.unknown(code: 65, value: [0xfc, 0x00])])
    }
}
