import BGPWire
import Dataplane
@testable import EVPN
import NetAddress
import Testing

/// A VM moving between VTEPs A, B (and back), as an orchestrator does it: the port is plugged and
/// attached on the destination, and detached from the source seconds later. Three VTEPs and a
/// route reflector, RT constraint on every session (RFC 4684), so a node's first instance of a
/// route target learns the routes of that target only after its own membership reached the
/// reflector — after its own advertisement went out (issue 19).
@Suite struct LiveMigrationTests {
    let network = TestNetwork()
    let a = "198.51.100.11", b = "198.51.100.12", c = "198.51.100.13", reflector = "198.51.100.1"
    let vm = "52:54:00:00:00:0a"

    init() {
        network.addNode(reflector, routeReflector: true)
    }

    /// Nodes up, the host on C and the VM on A attached, a minute passed.
    private func start(catchUpOnB: Bool = true) throws {
        for node in [a, b, c] {
            network.addNode(node) { if node == b && !catchUpOnB { $0.mobilityCatchUpTime = 0 } }
            network.connect(node, reflector)
        }
        try network[c].router.attach(attachRequest("red", mac: "52:54:00:00:00:0c", ip: "203.0.113.30/24", port: "tap-c"))
        try network[a].router.attach(attachRequest("red", mac: vm, ip: "203.0.113.10/24", port: "tap-a"))
        network.pump()
        network.advance(by: 60)
        network.forgetOutputs()
    }

    private func migrate(to node: String, ips: [String] = ["203.0.113.10/24"]) throws {
        for address in ips {
            try network[node].router.attach(attachRequest("red", mac: vm, ip: address, port: "tap-vm"))
        }
        network.pump()
    }

    private func detachVM(from node: String) throws {
        try network[node].router.detach(DetachRequest(instanceID: "red", mac: mac(vm)))
        network.pump()
    }

    private func endpoint(on node: String) -> EndpointSnapshot? {
        network[node].router.instanceSnapshot("red")?.endpoints.first { $0.mac == mac(vm) }
    }

    /// Where `node`'s FDB sends the VM's MAC (nil: nowhere, it is local or unknown).
    private func vtep(on node: String) -> IPAddress? {
        network[node].router.instanceSnapshot("red")?.remoteMACs.first { $0.mac == mac(vm) }?.vtep
    }

    /// The reflector's paths for the VM's MAC: source and sequence number of each.
    private func atReflector() -> [(source: RouteSource, sequence: UInt32)] {
        network[reflector].router.ribSnapshot(.l2vpnEVPN).compactMap { route in
            guard case .evpn(.macIPAdvertisement(let nlri)) = route.nlri, nlri.mac == mac(vm) else { return nil }
            let sequence = route.attributes.extendedCommunities.lazy.compactMap { community -> UInt32? in
                if case .macMobility(let sequence, _) = community { sequence } else { nil }
            }.first ?? 0
            return (route.source, sequence)
        }
    }

    private func programsVM(_ intent: DataplaneIntent) -> Bool {
        switch intent {
        case .setRemoteMAC(_, let target, _, _), .removeRemoteMAC(_, let target, _, _): target == mac(vm)
        default: false
        }
    }

    @Test func theAttachWinsWhenTheInstanceIsNewOnTheDestination() throws {
        try start()
        try migrate(to: b)
        // A's route (sequence 0, and A's address is the lower) reached B after B's own
        // advertisement: B took it as older and went above it.
        #expect(endpoint(on: b)?.macMobilitySequence == 1)
        #expect(endpoint(on: b)?.isAdvertised == true)
        #expect(!network[b].output.intents.contains(where: programsVM))
        #expect(network[b].output.sequences.last == MACSequence(instanceID: "red", mac: mac(vm), sequence: 1))
        // A withdrew its route at once and sends the MAC to B, its endpoint still attached.
        #expect(endpoint(on: a)?.isAdvertised == false)
        #expect(vtep(on: a) == ip(b))
        #expect(vtep(on: c) == ip(b))
        #expect(atReflector().map(\.source) == [.peer(ip(b))])

        // A's detach, seconds later, changes nothing for B's route: C only loses A's flood entry.
        network.advance(by: 5)
        network.forgetOutputs()
        let vniA = network[a].router.vni(of: "red")!
        try detachVM(from: a)
        #expect(network[b].output.updates.isEmpty)
        #expect(network[c].output.intents == [.removeFloodEntry(externalID: "red", vtep: ip(a), vni: vniA)])
        #expect(atReflector().map(\.source) == [.peer(ip(b))])
        #expect(atReflector().map(\.sequence) == [1])
    }

    /// The issue as filed: without the catch-up, B applies the §15.1 tie-break to A's late route
    /// and withdraws its own; traffic would follow only A's detach.
    @Test func withoutCatchUpTheNewInstanceLosesTheTie() throws {
        try start(catchUpOnB: false)
        try migrate(to: b)
        #expect(endpoint(on: b)?.isAdvertised == false)
        #expect(vtep(on: c) == ip(a))
        #expect(network[b].router.recentWarnings.last?.contains("moved to \(a) (sequence number 0)") == true)
    }

    @Test func everyRouteOfTheMACMovesTogetherAndNeighboursStay() throws {
        try start()
        try network[a].router.attach(attachRequest("red", mac: vm, ip: "203.0.113.11/24", port: "tap-a"))
        network.pump()
        network.advance(by: 60)
        network.forgetOutputs()
        try migrate(to: b, ips: ["203.0.113.10/24", "203.0.113.11/24"])
        #expect(atReflector().map(\.source) == [.peer(ip(b)), .peer(ip(b))])
        #expect(atReflector().map(\.sequence) == [1, 1])
        #expect(vtep(on: c) == ip(b))
        // The host on C keeps its neighbour entries: same MAC.
        #expect(!network[c].output.intents.contains { if case .removeNeighbour = $0 { true } else { false } })
        #expect(Set(network[c].router.instanceSnapshot("red")!.neighbours.map(\.ip)).isSuperset(of: [ip("203.0.113.10"), ip("203.0.113.11")]))
    }

    /// A minute later the VM moves: attached on `to`, and seconds later detached from `from`.
    private func move(from: String, to: String, expecting sequence: UInt32,
                      sourceLocation: SourceLocation = #_sourceLocation) throws {
        network.advance(by: 60)
        try migrate(to: to)
        #expect(endpoint(on: to)?.macMobilitySequence == sequence, sourceLocation: sourceLocation)
        #expect(endpoint(on: from)?.isAdvertised == false, sourceLocation: sourceLocation)
        #expect(vtep(on: c) == ip(to), sourceLocation: sourceLocation)
        network.advance(by: 5)
        try detachVM(from: from)
        #expect(atReflector().map(\.source) == [.peer(ip(to))], sourceLocation: sourceLocation)
        #expect(atReflector().map(\.sequence) == [sequence], sourceLocation: sourceLocation)
    }

    @Test func backAndForthThenToAnInstanceAlreadyThere() throws {
        try start()
        try move(from: a, to: b, expecting: 1)
        #expect(network[a].router.instanceSnapshot("red") == nil)  // the VM was A's last endpoint
        // Back to A, whose instance is new again: above B's sequence 1, which A saw only afterwards.
        try move(from: b, to: a, expecting: 2)
        // B has the instance already (another endpoint): it knows A's route and goes above it at once.
        try network[b].router.attach(attachRequest("red", mac: "52:54:00:00:00:0b", port: "tap-b"))
        network.pump()
        try move(from: a, to: b, expecting: 3)
    }

    /// Two nodes really claim the MAC at the same time, each in its new instance: each goes above
    /// the other's first claim once, then RFC 7432 §15.1 decides (equal sequence numbers: the lower
    /// VTEP address, B).
    @Test func aRealDuplicateInNewInstancesEndsAsTheRFCSays() throws {
        try start()
        try network[a].router.attach(attachRequest("blue", mac: "52:54:00:00:01:0a", targets: [blue], port: "tap-a2"))
        network.pump()
        network.advance(by: 60)
        let twin = "52:54:00:00:00:77"
        try network[b].router.attach(attachRequest("blue", mac: twin, targets: [blue], port: "tap-b"))
        try network[c].router.attach(attachRequest("blue", mac: twin, targets: [blue], port: "tap-c2"))
        network.pump()
        let onB = network[b].router.instanceSnapshot("blue")!.endpoints.first { $0.mac == mac(twin) }
        let onC = network[c].router.instanceSnapshot("blue")!.endpoints.first { $0.mac == mac(twin) }
        #expect(onB?.isAdvertised == true)
        #expect(onC?.isAdvertised == false)
        let paths = network[reflector].router.ribSnapshot(.l2vpnEVPN).filter {
            if case .evpn(.macIPAdvertisement(let route)) = $0.nlri { route.mac == mac(twin) } else { false }
        }
        #expect(paths.map(\.source) == [.peer(ip(b))])
        #expect(network[c].router.instanceSnapshot("blue")!.remoteMACs.contains { $0.mac == mac(twin) && $0.vtep == ip(b) })
        #expect(network[a].router.instanceSnapshot("blue")!.remoteMACs.contains { $0.mac == mac(twin) && $0.vtep == ip(b) })
        // Each went above the other once: it does not go on.
        #expect(onB?.macMobilitySequence == 2)
    }

    /// Outside any catch-up window, two claims made without seeing each other: §15.1 as is.
    @Test func aRealDuplicateInOldInstancesGoesToTheLowerVTEP() throws {
        try start()
        try network[b].router.attach(attachRequest("red", mac: "52:54:00:00:00:0b", port: "tap-b"))
        network.pump()
        network.advance(by: 60)
        let twin = "52:54:00:00:00:77"
        try network[c].router.attach(attachRequest("red", mac: twin, port: "tap-c2"))
        try network[b].router.attach(attachRequest("red", mac: twin, port: "tap-b2"))
        network.pump()
        #expect(network[b].router.instanceSnapshot("red")!.endpoints.first { $0.mac == mac(twin) }?.isAdvertised == true)
        #expect(network[c].router.instanceSnapshot("red")!.endpoints.first { $0.mac == mac(twin) }?.isAdvertised == false)
        #expect(network[b].router.instanceSnapshot("red")!.endpoints.first { $0.mac == mac(twin) }?.macMobilitySequence == 0)
    }
}
