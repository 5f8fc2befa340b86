import BGPWire
import Dataplane
@testable import EVPN
import NetAddress
import Testing

/// Three VTEPs A, B, C, each a client of route reflector R (itself an `EVPNRouter` in
/// route-reflector mode), with route-target constraint on every session (bagpipe.md §5).
@Suite struct ThreeNodeScenarioTests {
    let network = TestNetwork()
    let a = "198.51.100.11", b = "198.51.100.12", c = "198.51.100.13", reflector = "198.51.100.1"

    init() {
        network.addNode(reflector, routeReflector: true)
        for node in [a, b, c] {
            network.addNode(node)
            network.connect(node, reflector)
        }
    }

    private func attachRedOnAAndB() throws {
        try network[a].router.attach(attachRequest("red", mac: "52:54:00:00:00:0a", ip: "203.0.113.10/24", port: "tap-a"))
        try network[b].router.attach(attachRequest("red", mac: "52:54:00:00:00:0b", ip: "203.0.113.20/24", port: "tap-b"))
        network.pump()
    }

    @Test func attachOnAAndBProgramsEachOther() throws {
        try attachRedOnAAndB()
        let vniA = network[a].router.vni(of: "red")!, vniB = network[b].router.vni(of: "red")!
        #expect(network[a].output.intents == [
            .createInstance(InstanceSpec(externalID: "red", vni: vniA)),
            .plugPort(externalID: "red", interface: "tap-a", mac: mac("52:54:00:00:00:0a")),
            .addFloodEntry(externalID: "red", vtep: ip(b), vni: vniB),
            .setRemoteMAC(externalID: "red", mac: mac("52:54:00:00:00:0b"), vtep: ip(b), vni: vniB),
            .setNeighbour(externalID: "red", ip: ip("203.0.113.20"), mac: mac("52:54:00:00:00:0b")),
        ])
        // On B, A's routes were already known: imported as the instance is created.
        let onB = network[b].output.intents
        #expect(onB.first == .createInstance(InstanceSpec(externalID: "red", vni: vniB)))
        #expect(Set(onB) == [
            .createInstance(InstanceSpec(externalID: "red", vni: vniB)),
            .plugPort(externalID: "red", interface: "tap-b", mac: mac("52:54:00:00:00:0b")),
            .addFloodEntry(externalID: "red", vtep: ip(a), vni: vniA),
            .setRemoteMAC(externalID: "red", mac: mac("52:54:00:00:00:0a"), vtep: ip(a), vni: vniA),
            .setNeighbour(externalID: "red", ip: ip("203.0.113.10"), mac: mac("52:54:00:00:00:0a")),
        ])
        #expect(network[c].output.intents.isEmpty)
    }

    @Test func detachWithdrawsEverywhere() throws {
        try attachRedOnAAndB()
        let vniB = network[b].router.vni(of: "red")!
        network.forgetOutputs()
        try network[b].router.detach(DetachRequest(instanceID: "red", mac: mac("52:54:00:00:00:0b")))
        network.pump()
        #expect(network[b].output.intents == [
            .unplugPort(externalID: "red", interface: "tap-b", mac: mac("52:54:00:00:00:0b")),
            .deleteInstance(externalID: "red"),
        ])
        #expect(Set(network[a].output.intents) == [
            .removeRemoteMAC(externalID: "red", mac: mac("52:54:00:00:00:0b"), vtep: ip(b), vni: vniB),
            .removeNeighbour(externalID: "red", ip: ip("203.0.113.20"), mac: mac("52:54:00:00:00:0b")),
            .removeFloodEntry(externalID: "red", vtep: ip(b), vni: vniB),
        ])
        #expect(network[reflector].router.ribSnapshot(.l2vpnEVPN).allSatisfy { $0.source != .peer(ip(b)) })
        #expect(network[reflector].router.ribSnapshot(.routeTargetConstraint).allSatisfy { $0.source != .peer(ip(b)) })
    }

    @Test func instancesWithDifferentRouteTargetsStayIsolated() throws {
        try attachRedOnAAndB()
        try network[a].router.attach(attachRequest("blue", mac: "52:54:00:00:01:0a", ip: "192.0.2.10/24",
                                                   targets: [blue], port: "tap-a2"))
        try network[c].router.attach(attachRequest("blue", mac: "52:54:00:00:01:0c", ip: "192.0.2.30/24",
                                                   targets: [blue], port: "tap-c"))
        network.pump()
        let onA = network[a].output.intents
        #expect(onA.about("red").contains(.setRemoteMAC(externalID: "red", mac: mac("52:54:00:00:00:0b"), vtep: ip(b),
                                                         vni: network[b].router.vni(of: "red")!)))
        #expect(onA.about("blue").contains(.setRemoteMAC(externalID: "blue", mac: mac("52:54:00:00:01:0c"), vtep: ip(c),
                                                          vni: network[c].router.vni(of: "blue")!)))
        // Nothing of blue reached red or B, nothing of red reached C.
        let redMACs = onA.about("red").compactMap { if case .setRemoteMAC(_, let mac, _, _) = $0 { mac } else { nil } }
        #expect(redMACs == [mac("52:54:00:00:00:0b")])
        #expect(network[b].output.intents.allSatisfy { $0.externalID == "red" })
        #expect(network[c].output.intents.allSatisfy { $0.externalID == "blue" })
        #expect(!network[c].output.intents.contains { if case .setRemoteMAC(_, _, let vtep, _) = $0 { vtep == ip(b) } else { false } })
    }

    @Test func routeTargetChangeMovesRoutes() throws {
        try attachRedOnAAndB()
        try network[c].router.attach(attachRequest("blue", mac: "52:54:00:00:01:0c", ip: "192.0.2.30/24",
                                                   targets: [blue], port: "tap-c"))
        network.pump()
        network.forgetOutputs()
        // B re-attaches its endpoint with the blue targets: it leaves red and joins blue.
        try network[b].router.attach(attachRequest("red", mac: "52:54:00:00:00:0b", ip: "203.0.113.20/24",
                                                   targets: [blue], port: "tap-b"))
        network.pump()
        let vniA = network[a].router.vni(of: "red")!, vniB = network[b].router.vni(of: "red")!
        let vniC = network[c].router.vni(of: "blue")!
        #expect(Set(network[b].output.intents) == [
            .removeRemoteMAC(externalID: "red", mac: mac("52:54:00:00:00:0a"), vtep: ip(a), vni: vniA),
            .removeNeighbour(externalID: "red", ip: ip("203.0.113.10"), mac: mac("52:54:00:00:00:0a")),
            .removeFloodEntry(externalID: "red", vtep: ip(a), vni: vniA),
            .addFloodEntry(externalID: "red", vtep: ip(c), vni: vniC),
            .setRemoteMAC(externalID: "red", mac: mac("52:54:00:00:01:0c"), vtep: ip(c), vni: vniC),
            .setNeighbour(externalID: "red", ip: ip("192.0.2.30"), mac: mac("52:54:00:00:01:0c")),
        ])
        #expect(Set(network[a].output.intents) == [
            .removeRemoteMAC(externalID: "red", mac: mac("52:54:00:00:00:0b"), vtep: ip(b), vni: vniB),
            .removeNeighbour(externalID: "red", ip: ip("203.0.113.20"), mac: mac("52:54:00:00:00:0b")),
            .removeFloodEntry(externalID: "red", vtep: ip(b), vni: vniB),
        ])
        #expect(Set(network[c].output.intents) == [
            .addFloodEntry(externalID: "blue", vtep: ip(b), vni: vniB),
            .setRemoteMAC(externalID: "blue", mac: mac("52:54:00:00:00:0b"), vtep: ip(b), vni: vniB),
            .setNeighbour(externalID: "blue", ip: ip("203.0.113.20"), mac: mac("52:54:00:00:00:0b")),
        ])
    }

    @Test func macMovingFromAToBResolvesBySequenceNumber() throws {
        try attachRedOnAAndB()
        try network[c].router.attach(attachRequest("red", mac: "52:54:00:00:00:0c", port: "tap-c"))
        network.pump()
        network.forgetOutputs()
        network.advance(by: 60)
        let moving = "52:54:00:00:00:0a"
        // A minute later the VM moves: plugged on B first, unplugged from A later (as an orchestrator does it).
        try network[b].router.attach(attachRequest("red", mac: moving, ip: "203.0.113.10/24", port: "tap-b2"))
        network.pump()
        let vniA = network[a].router.vni(of: "red")!, vniB = network[b].router.vni(of: "red")!
        #expect(network[b].router.instanceSnapshot("red")!.endpoints.first { $0.mac == mac(moving) }?.macMobilitySequence == 1)
        // A lost the MAC: it withdrew its route and points the MAC at B.
        let onA = network[a].router.instanceSnapshot("red")!
        #expect(onA.endpoints.first { $0.mac == mac(moving) }?.isAdvertised == false)
        #expect(onA.remoteMACs.contains(RemoteMACSnapshot(mac: mac(moving), vtep: ip(b), vni: vniB)))
        #expect(network[a].output.intents.contains(.setRemoteMAC(externalID: "red", mac: mac(moving), vtep: ip(b), vni: vniB)))
        // C follows the higher sequence number.
        #expect(network[c].output.intents.last { if case .setRemoteMAC(_, mac(moving), _, _) = $0 { true } else { false } }
                == .setRemoteMAC(externalID: "red", mac: mac(moving), vtep: ip(b), vni: vniB))
        #expect(network[c].router.instanceSnapshot("red")!.remoteMACs.contains(
            RemoteMACSnapshot(mac: mac(moving), vtep: ip(b), vni: vniB)))
        // A's route is gone from the reflector: only B's carries the MAC.
        let routes = network[reflector].router.ribSnapshot(.l2vpnEVPN).filter {
            if case .evpn(.macIPAdvertisement(let route)) = $0.nlri { route.mac == mac(moving) } else { false }
        }
        #expect(routes.map(\.source) == [.peer(ip(b))])
        #expect(routes.first?.attributes.extendedCommunities.contains(.macMobility(sequence: 1, sticky: false)) == true)

        // A unplugs the old port, its last: no entry for the MAC changes on C, only A's flood entry goes.
        network.forgetOutputs()
        try network[a].router.detach(DetachRequest(instanceID: "red", mac: mac(moving)))
        network.pump()
        #expect(network[a].output.intents == [.unplugPort(externalID: "red", interface: "tap-a", mac: mac(moving)),
                                              .deleteInstance(externalID: "red")])
        #expect(network[c].output.intents == [.removeFloodEntry(externalID: "red", vtep: ip(a), vni: vniA)])
    }

    @Test func peerLossWithdrawsItsRoutes() throws {
        try attachRedOnAAndB()
        let vniB = network[b].router.vni(of: "red")!
        network.forgetOutputs()
        network.disconnect(b, reflector)
        #expect(Set(network[a].output.intents) == [
            .removeRemoteMAC(externalID: "red", mac: mac("52:54:00:00:00:0b"), vtep: ip(b), vni: vniB),
            .removeNeighbour(externalID: "red", ip: ip("203.0.113.20"), mac: mac("52:54:00:00:00:0b")),
            .removeFloodEntry(externalID: "red", vtep: ip(b), vni: vniB),
        ])
        // B lost everything it had learned too.
        #expect(Set(network[b].output.intents) == [
            .removeRemoteMAC(externalID: "red", mac: mac("52:54:00:00:00:0a"), vtep: ip(a),
                             vni: network[a].router.vni(of: "red")!),
            .removeNeighbour(externalID: "red", ip: ip("203.0.113.10"), mac: mac("52:54:00:00:00:0a")),
            .removeFloodEntry(externalID: "red", vtep: ip(a), vni: network[a].router.vni(of: "red")!),
        ])
        // Back up: everything is re-learned.
        network.forgetOutputs()
        network.connect(b, reflector)
        #expect(network[a].output.intents.contains(.setRemoteMAC(externalID: "red", mac: mac("52:54:00:00:00:0b"),
                                                                  vtep: ip(b), vni: vniB)))
    }

    @Test func nodeWithoutInstanceOnATargetReceivesNoneOfItsRoutes() throws {
        network.forgetOutputs()
        try attachRedOnAAndB()
        for index in 0..<20 {
            try network[a].router.attach(attachRequest("red", mac: "52:54:00:00:10:\(index < 16 ? "0" : "")\(String(index, radix: 16))",
                                                       port: "tap-a\(index)"))
        }
        network.pump()
        let toC = network[reflector].output.evpnMessages(to: ip(c))
        #expect(toC.isEmpty)
        #expect(network[c].output.intents.isEmpty)
        // A and B did get each other's routes through the reflector.
        #expect(!network[reflector].output.evpnMessages(to: ip(a)).isEmpty)
        #expect(!network[reflector].output.evpnMessages(to: ip(b)).isEmpty)
        // C joins red: now it gets them.
        try network[c].router.attach(attachRequest("red", mac: "52:54:00:00:00:0c", port: "tap-c"))
        network.pump()
        #expect(!network[reflector].output.evpnMessages(to: ip(c)).isEmpty)
        #expect(network[c].router.instanceSnapshot("red")!.remoteMACs.count == 22)
    }
}
