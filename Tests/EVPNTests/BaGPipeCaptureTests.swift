import BGPWire
import Dataplane
@testable import EVPN
import Foundation
import NetAddress
import Testing

/// Against real traffic: two BaGPipe nodes (198.51.100.11 and .12, networking-bagpipe with exabgp
/// 4.2) and GoBGP 3.10 as route reflector (198.51.100.1), RT 64512:80, VNI 16
/// (`/work/shared/vectors/bagpipe-gobgp-rr-evpn.pcap`, as extracted in BGPWireTests/Fixtures).
@Suite struct BaGPipeCaptureTests {
    /// Node .11 to GoBGP: its RT membership, type-3 and type-2 routes.
    static let bagpipeMembership = "ffffffffffffffffffffffffffffffff003e02000000274001010040020040050400000064800e1600018404c633640b00600000fc000002fc0000000050"
    static let bagpipeTypeThree = "ffffffffffffffffffffffffffffffff0063020000004c4001010040020040050400000064c01010030c0000000000080002fc0000000050c016090006000010c633640b800e1c00194604c633640b0003110001c633640b00000000000020c633640b"
    static let bagpipeTypeTwo = "ffffffffffffffffffffffffffffffff006b02000000544001010040020040050400000064c01010030c0000000000080002fc0000000050800e3000194604c633640b0002250001c633640b0000000000000000000000000000000030aa3e078fdda320cb00710a000010"
    /// GoBGP to node .12: the membership it reflects (next hop and ORIGINATOR_ID itself), then
    /// node .11's type-3 and type-2 routes, reflected.
    static let gobgpMembership = "ffffffffffffffffffffffffffffffff004c02000000354001010040020040050400000064800904c6336401800a04c6336401800e1600018404c633640100600000fc000002fc0000000050"
    static let gobgpTypeThree = "ffffffffffffffffffffffffffffffff0071020000005a4001010040020040050400000064800904c633640b800a04c6336401800e1c00194604c633640b0003110001c633640b00000000000020c633640bc01010030c0000000000080002fc0000000050c016090006000010c633640b"
    static let gobgpTypeTwo = "ffffffffffffffffffffffffffffffff007902000000624001010040020040050400000064800904c633640b800a04c6336401800e3000194604c633640b0002250001c633640b0000000000000000000000000000000030aa3e078fdda320cb00710a000010c01010030c0000000000080002fc0000000050"

    static func decode(_ hex: String) throws -> UpdateMessage {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        guard case .update(let update) = try BGPMessage.decode(bytes, context: CodecContext(fourOctetAS: false)) else {
            throw CaptureError.notAnUpdate
        }
        return update
    }

    enum CaptureError: Error { case notAnUpdate }

    static let gobgp = "198.51.100.1"
    static let endpointMAC = "aa:3e:07:8f:dd:a3"

    /// A router configured as one of the captured nodes, with GoBGP as its only peer.
    private func node(_ address: String) -> Harness {
        let harness = Harness {
            $0.routerID = IPv4Address(address)!
            $0.bgpLocalAddress = ip(address)
            $0.dataplaneLocalAddress = ip(address)
        }
        harness.peerUp(Self.gobgp, families: [.l2vpnEVPN, .routeTargetConstraint])
        return harness
    }

    @Test func weAdvertiseWhatBaGPipeAdvertised() throws {
        let harness = node("198.51.100.11")
        try harness.router.attach(attachRequest("test", mac: Self.endpointMAC, ip: "203.0.113.10/24", port: "tap0"))
        // GoBGP reflects a membership for RT 64512:80: only then do EVPN routes flow.
        harness.router.receive(try Self.decode(Self.gobgpMembership), from: ip(Self.gobgp))
        let ours = harness.announced(to: Self.gobgp)
        for capture in [Self.bagpipeMembership, Self.bagpipeTypeThree, Self.bagpipeTypeTwo] {
            let theirs = try Self.decode(capture)
            let reach = try #require(theirs.attributes.mpReach)
            let route = try #require(ours.first { $0.nlri == reach.nlri.first }, "\(reach.nlri)")
            #expect(route.nextHop == reach.nextHops.first)
            var attributes = theirs.attributes
            attributes.mpReach = nil
            #expect(route.attributes == attributes)
        }
        #expect(ours.count == 3)
    }

    @Test func gobgpReflectedRoutesProgramTheDataplane() throws {
        let harness = node("198.51.100.12")
        try harness.router.attach(attachRequest("test", mac: "aa:d1:83:08:3b:7e", ip: "203.0.113.20/24", port: "tap0"))
        harness.output.forget()
        for capture in [Self.gobgpMembership, Self.gobgpTypeThree, Self.gobgpTypeTwo] {
            harness.router.receive(try Self.decode(capture), from: ip(Self.gobgp))
        }
        #expect(harness.intents == [
            .addFloodEntry(externalID: "test", vtep: ip("198.51.100.11"), vni: 16),
            .setRemoteMAC(externalID: "test", mac: mac(Self.endpointMAC), vtep: ip("198.51.100.11"), vni: 16),
            .setNeighbour(externalID: "test", ip: ip("203.0.113.10"), mac: mac(Self.endpointMAC)),
        ])
    }

    @Test func ourOwnRoutesReflectedByGoBGPChangeNothing() throws {
        let harness = node("198.51.100.11")
        try harness.router.attach(attachRequest("test", mac: Self.endpointMAC, ip: "203.0.113.10/24", port: "tap0"))
        harness.output.forget()
        for capture in [Self.gobgpMembership, Self.gobgpTypeThree, Self.gobgpTypeTwo] {
            harness.router.receive(try Self.decode(capture), from: ip(Self.gobgp))
        }
        #expect(harness.intents.isEmpty)
        let endpoints = harness.router.instanceSnapshot("test")!.endpoints
        #expect(endpoints.allSatisfy { $0.isAdvertised })
    }

    /// Every UPDATE GoBGP sent node .11 in the mixed capture (BaGPipe, FRR 8.4 and 200 routes
    /// injected with the gobgp CLI; BGPWireTests/Fixtures/mixed-bagpipe-frr-gobgp-rr.messages).
    static func mixedCaptureUpdatesToNode11() throws -> [UpdateMessage] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../BGPWireTests/Fixtures/mixed-bagpipe-frr-gobgp-rr.messages").path
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count == 4, fields[0] == "198.51.100.1:179", fields[1].hasPrefix("198.51.100.11:"),
                  fields[2] == "2" else { return nil }
            return try decode(String(fields[3]))
        }
    }

    @Test func frrMACOnlyThenMACAndIPThroughGoBGPEndsWithFDBAndNeighbour() throws {
        let harness = node("198.51.100.11")
        try harness.router.attach(attachRequest("frr", mac: "52:54:00:00:01:11", ip: "203.0.113.11/24",
                                                targets: [rt("64512:100")], port: "tap1"))
        try harness.router.attach(attachRequest("red", mac: "52:54:00:00:00:11", ip: "203.0.113.10/24", port: "tap0"))
        harness.output.forget()
        let updates = try Self.mixedCaptureUpdatesToNode11()
        #expect(updates.count == 210)
        for update in updates { harness.router.receive(update, from: ip(Self.gobgp)) }

        // FRR node .21 sent a MAC-only route, then MAC+IP for the same MAC (interop.md gotcha 4).
        let frr = try #require(harness.router.instanceSnapshot("frr"))
        #expect(frr.remoteMACs.contains(RemoteMACSnapshot(mac: mac("f2:a1:a7:31:29:dd"), vtep: ip("198.51.100.21"), vni: 100)))
        #expect(frr.neighbours.contains(NeighbourSnapshot(ip: ip("203.0.113.41"), mac: mac("f2:a1:a7:31:29:dd"))))
        #expect(frr.floodList.contains(FloodEntrySnapshot(vtep: ip("198.51.100.21"), vni: 100)))
        // Nothing of RT 64512:100 leaked into red, and red got the other routes of RT 64512:80.
        let red = try #require(harness.router.instanceSnapshot("red"))
        #expect(!red.remoteMACs.contains { $0.vtep == ip("198.51.100.21") || $0.vtep == ip("198.51.100.22") })
        #expect(red.remoteMACs.count >= 200)
        #expect(harness.intents.allSatisfy { $0.externalID == "frr" || $0.externalID == "red" })
    }
}
