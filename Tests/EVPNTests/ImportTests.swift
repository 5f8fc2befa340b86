import BGPWire
import Dataplane
@testable import EVPN
import NetAddress
import Testing

/// Remote routes → dataplane intents (RFC 7432 §9.2.2, §11.2; interop.md gotchas 3, 4, 8).
@Suite struct ImportTests {
    let harness = Harness()
    let remote = "198.51.100.12"
    let rd = "198.51.100.12:3"
    let remoteMAC = "52:54:00:00:00:0b"

    init() throws {
        harness.peerUp()
        try harness.router.attach(attachRequest("red", mac: "52:54:00:00:00:0a", ip: "203.0.113.10/24", port: "tap0"))
        harness.output.forget()
    }

    private func setMAC(vni: UInt32 = 5000, vtep: String? = nil) -> DataplaneIntent {
        .setRemoteMAC(externalID: "red", mac: mac(remoteMAC), vtep: ip(vtep ?? remote), vni: vni)
    }

    @Test func macOnlyThenMACAndIPEndsWithFDBAndNeighbour() {
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: remoteMAC)], nextHop: remote))
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: remoteMAC, ip: "203.0.113.20")], nextHop: remote))
        #expect(harness.intents == [setMAC(), .setNeighbour(externalID: "red", ip: ip("203.0.113.20"), mac: mac(remoteMAC))])
        // Withdrawing the MAC-only route keeps both (the MAC+IP route still points the MAC there).
        harness.output.forget()
        harness.receive(Routes.withdraw([Routes.macIP(rd: rd, mac: remoteMAC)]))
        #expect(harness.intents.isEmpty)
        harness.receive(Routes.withdraw([Routes.macIP(rd: rd, mac: remoteMAC, ip: "203.0.113.20")]))
        #expect(harness.intents == [.removeRemoteMAC(externalID: "red", mac: mac(remoteMAC), vtep: ip(remote), vni: 5000),
                                    .removeNeighbour(externalID: "red", ip: ip("203.0.113.20"), mac: mac(remoteMAC))])
    }

    @Test func macAndIPThenMACOnlyAndTheReverseWithdrawal() {
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: remoteMAC, ip: "203.0.113.20")], nextHop: remote))
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: remoteMAC)], nextHop: remote))
        #expect(harness.intents == [setMAC(), .setNeighbour(externalID: "red", ip: ip("203.0.113.20"), mac: mac(remoteMAC))])
        // The MAC+IP route goes first: the neighbour goes, the FDB entry stays for the MAC-only route.
        harness.output.forget()
        harness.receive(Routes.withdraw([Routes.macIP(rd: rd, mac: remoteMAC, ip: "203.0.113.20")]))
        #expect(harness.intents == [.removeNeighbour(externalID: "red", ip: ip("203.0.113.20"), mac: mac(remoteMAC))])
        harness.receive(Routes.withdraw([Routes.macIP(rd: rd, mac: remoteMAC)]))
        #expect(harness.intents.last == .removeRemoteMAC(externalID: "red", mac: mac(remoteMAC), vtep: ip(remote), vni: 5000))
    }

    @Test func remoteVNIIsUsedAsIs() {
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: remoteMAC, label: 100)], nextHop: remote))
        harness.receive(Routes.announceMulticast(rd: rd, vtep: remote, vni: 100))
        #expect(harness.intents == [setMAC(vni: 100), .addFloodEntry(externalID: "red", vtep: ip(remote), vni: 100)])
        #expect(harness.router.vni(of: "red") == 16)
    }

    @Test func implicitWithdrawMovesTheMACInOneIntent() {
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: remoteMAC)], nextHop: remote))
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: remoteMAC, label: 5001)], nextHop: "198.51.100.13"))
        #expect(harness.intents == [setMAC(), setMAC(vni: 5001, vtep: "198.51.100.13")])
    }

    @Test func ipMovingToAnotherMACKeepsTheNewNeighbour() {
        let other = "52:54:00:00:00:0c"
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: remoteMAC, ip: "203.0.113.20")], nextHop: remote))
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: other, ip: "203.0.113.20")], nextHop: remote,
                                        attributes: Routes.attributes(sequence: 1)))
        harness.output.forget()
        harness.receive(Routes.withdraw([Routes.macIP(rd: rd, mac: remoteMAC, ip: "203.0.113.20")]))
        #expect(harness.intents == [.removeRemoteMAC(externalID: "red", mac: mac(remoteMAC), vtep: ip(remote), vni: 5000)])
        #expect(harness.router.instanceSnapshot("red")!.neighbours == [NeighbourSnapshot(ip: ip("203.0.113.20"), mac: mac(other))])
    }

    @Test func locallyAttachedAddressGetsNoRemoteNeighbour() {
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: remoteMAC, ip: "203.0.113.10")], nextHop: remote))
        #expect(harness.intents == [setMAC()])
    }

    @Test func routesWithoutVXLANEncapsulationAreNotImportedByDefault() {
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: remoteMAC)], nextHop: remote,
                                        attributes: Routes.attributes(encapsulation: nil)))
        harness.receive(Routes.announceMulticast(rd: rd, vtep: remote, vni: 5000, encapsulation: .mpls))
        #expect(harness.intents.isEmpty)
        let rib = harness.router.ribSnapshot(.l2vpnEVPN).filter { $0.source == .peer(ip(Harness.peerAddress)) }
        #expect(Set(rib.compactMap(\.notImportedBecause)) == ["no encapsulation extended community (RFC 8365: MPLS)",
                                                            "encapsulation other than VXLAN"])
        // The same route with VXLAN replaces it and is imported.
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: remoteMAC)], nextHop: remote))
        #expect(harness.intents == [setMAC()])
    }

    @Test func missingEncapsulationCanBeConfiguredAsVXLAN() throws {
        let harness = Harness { $0.assumeVXLANWhenEncapsulationMissing = true }
        harness.peerUp()
        try harness.router.attach(attachRequest("red", mac: "52:54:00:00:00:0a", port: "tap0"))
        harness.output.forget()
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: remoteMAC)], nextHop: remote,
                                        attributes: Routes.attributes(encapsulation: nil)))
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: "52:54:00:00:00:0c")], nextHop: remote,
                                        attributes: Routes.attributes(encapsulation: .mpls)))
        #expect(harness.intents == [setMAC()])
    }

    @Test func ourOwnRoutesReflectedBackAreDropped() {
        // An FRR route reflector reflects our routes to us with ORIGINATOR_ID = our router id (interop.md gotcha 8).
        var attributes = Routes.attributes()
        attributes.originatorID = IPv4Address(Harness.localAddress)
        attributes.clusterList = [IPv4Address("198.51.100.1")!]
        harness.receive(Routes.announce([Routes.macIP(rd: "198.51.100.11:0", mac: "52:54:00:00:00:0a", label: 16)],
                                        nextHop: Harness.localAddress, attributes: attributes))
        harness.receive(Routes.announceMulticast(rd: "198.51.100.11:0", vtep: Harness.localAddress, vni: 16))
        #expect(harness.intents.isEmpty)
        #expect(harness.router.ribSnapshot(.l2vpnEVPN).filter { $0.source != .local }.count == 1)
        #expect(harness.router.summary().receivedRoutes == 1)
    }

    @Test func ourVTEPAddressIsNeverProgrammedAsRemote() {
        harness.receive(Routes.announce([Routes.macIP(rd: "198.51.100.99:1", mac: remoteMAC)], nextHop: Harness.localAddress))
        #expect(harness.intents.isEmpty)
        let route = harness.router.ribSnapshot(.l2vpnEVPN).first { $0.source != .local && $0.nlri.family == .l2vpnEVPN }
        #expect(route?.notImportedBecause == "our own VTEP address")
    }

    @Test func treatAsWithdrawRemovesThePeersRoute() {
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: remoteMAC)], nextHop: remote))
        var update = Routes.announce([Routes.macIP(rd: rd, mac: remoteMAC)], nextHop: remote)
        update.treatAsWithdraw = true
        harness.router.receive(update, from: ip(Harness.peerAddress))
        #expect(harness.intents == [setMAC(), .removeRemoteMAC(externalID: "red", mac: mac(remoteMAC), vtep: ip(remote), vni: 5000)])
    }

    @Test func typeThreeWithoutIngressReplicationIsIgnored() {
        harness.receive(Routes.announce([Routes.multicast(rd: rd, originator: remote)], nextHop: remote))
        #expect(harness.intents.isEmpty)
    }

    @Test func twoTypeThreeRoutesToOneVTEPMakeOneFloodEntry() {
        harness.receive(Routes.announceMulticast(rd: rd, vtep: remote, vni: 5000))
        harness.receive(Routes.announceMulticast(rd: "198.51.100.12:4", vtep: remote, vni: 5000))
        harness.receive(Routes.withdraw([Routes.multicast(rd: rd, originator: remote)]))
        #expect(harness.intents == [.addFloodEntry(externalID: "red", vtep: ip(remote), vni: 5000)])
        harness.receive(Routes.withdraw([Routes.multicast(rd: "198.51.100.12:4", originator: remote)]))
        #expect(harness.intents.last == .removeFloodEntry(externalID: "red", vtep: ip(remote), vni: 5000))
    }

    @Test func routesOfOtherTargetsAreKeptButNotImported() {
        harness.receive(Routes.announce([Routes.macIP(rd: rd, mac: remoteMAC)], nextHop: remote,
                                        attributes: Routes.attributes(targets: [blue])))
        #expect(harness.intents.isEmpty)
        #expect(harness.router.summary().receivedRoutes == 1)
        // A new instance on blue imports it at creation.
        try? harness.router.attach(attachRequest("blue", mac: "52:54:00:00:00:0d", targets: [blue], port: "tap1"))
        #expect(harness.intents.contains(.setRemoteMAC(externalID: "blue", mac: mac(remoteMAC), vtep: ip(remote), vni: 5000)))
    }
}
