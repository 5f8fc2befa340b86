import BGPWire
import Dataplane
@testable import EVPN
import NetAddress
import Testing

/// Ports shared by several MACs of an instance, MACs learned behind them, and learned MACs moving
/// between ports (docs/evpn.md, "Local side").
@Suite struct LocalPortTests {
    let harness = Harness { $0.learnedMACs = LearnedMACPolicy() }
    var router: EVPNRouter { harness.router }

    init() {
        harness.peerUp(families: [.l2vpnEVPN])
    }

    private func learned(_ text: String, on port: String, appeared: Bool = true) {
        router.handle(LocalMACEvent(externalID: "red", interface: port, mac: mac(text), appeared: appeared))
    }

    /// The MACs of the type-2 routes in `nlri`.
    private func macs(_ nlri: [NLRI]) -> Set<MACAddress> {
        Set(nlri.compactMap { item -> MACAddress? in
            guard case .evpn(.macIPAdvertisement(let route)) = item else { return nil }
            return route.mac
        })
    }

    private var unpluggedPorts: [String] {
        harness.intents.compactMap { intent in
            guard case .unplugPort(_, let interface, _) = intent else { return nil }
            return interface
        }
    }

    @Test func detachingOneOfTwoMACsOnAPortKeepsThePortPlugged() throws {
        try router.attach(attachRequest("red", mac: "52:54:00:00:00:01", ip: "10.0.0.1/24", port: "tap0"))
        try router.attach(attachRequest("red", mac: "52:54:00:00:00:02", ip: "10.0.0.2/24", port: "tap0"))
        harness.output.forget()

        try router.detach(DetachRequest(instanceID: "red", mac: mac("52:54:00:00:00:01")))
        #expect(harness.intents.isEmpty)
        #expect(macs(harness.withdrawn()) == [mac("52:54:00:00:00:01")])

        harness.output.forget()
        try router.detach(DetachRequest(instanceID: "red", mac: mac("52:54:00:00:00:02")))
        #expect(harness.intents == [.unplugPort(externalID: "red", interface: "tap0", mac: mac("52:54:00:00:00:02")),
                                    .deleteInstance(externalID: "red")])
    }

    @Test func unpluggingAPortForgetsTheMACsLearnedBehindItOnly() throws {
        try router.attach(attachRequest("red", mac: "52:54:00:00:00:01", port: "tap0"))
        try router.attach(attachRequest("red", mac: "52:54:00:00:00:02", port: "tap1"))
        learned("52:54:00:00:00:99", on: "tap0")
        learned("52:54:00:00:00:98", on: "tap1")
        harness.output.forget()

        try router.detach(DetachRequest(instanceID: "red", mac: mac("52:54:00:00:00:01")))
        #expect(unpluggedPorts == ["tap0"])
        #expect(macs(harness.withdrawn()) == [mac("52:54:00:00:00:01"), mac("52:54:00:00:00:99")])

        // The listener's late "gone" for the forgotten MAC changes nothing.
        harness.output.forget()
        learned("52:54:00:00:00:99", on: "tap0", appeared: false)
        #expect(harness.updates().isEmpty)
    }

    @Test func learnedMACsKeepAPortInUseAlive() throws {
        try router.attach(attachRequest("red", mac: "52:54:00:00:00:01", port: "tap0"))
        try router.attach(attachRequest("red", mac: "52:54:00:00:00:02", port: "tap0"))
        learned("52:54:00:00:00:99", on: "tap0")
        harness.output.forget()

        try router.detach(DetachRequest(instanceID: "red", mac: mac("52:54:00:00:00:01")))
        #expect(unpluggedPorts.isEmpty)
        #expect(macs(harness.withdrawn()) == [mac("52:54:00:00:00:01")])
    }

    /// A learned MAC seen on another port of the instance before its "gone" from the old one
    /// is a local move: same routes, no withdraw, and the old port's "gone" is ignored.
    @Test func learnedMACMovingBetweenLocalPortsKeepsItsRoute() throws {
        try router.attach(attachRequest("red", mac: "52:54:00:00:00:01", port: "tap0"))
        try router.attach(attachRequest("red", mac: "52:54:00:00:00:02", port: "tap1"))
        learned("52:54:00:00:00:99", on: "tap0")
        harness.output.forget()

        learned("52:54:00:00:00:99", on: "tap1")
        learned("52:54:00:00:00:99", on: "tap0", appeared: false)
        #expect(harness.updates().isEmpty)

        // It now lives behind tap1: unplugging tap0 keeps it, its "gone" from tap1 withdraws it.
        try router.detach(DetachRequest(instanceID: "red", mac: mac("52:54:00:00:00:01")))
        #expect(macs(harness.withdrawn()) == [mac("52:54:00:00:00:01")])
        harness.output.forget()
        learned("52:54:00:00:00:99", on: "tap1", appeared: false)
        #expect(macs(harness.withdrawn()) == [mac("52:54:00:00:00:99")])
    }

    @Test func vniOfAnInstanceIsItsVNIAndNilForAnUnknownOne() throws {
        try router.attach(attachRequest("red", mac: "52:54:00:00:00:01", port: "tap0", vni: 5000))
        #expect(router.vni(of: "red") == 5000)
        #expect(router.vni(of: "blue") == nil)
    }
}
