import BGPWire
import Dataplane
@testable import EVPN
import NetAddress
import Testing

/// BaGPipe's attach/detach semantics and error messages (bagpipe.md §3).
@Suite struct AttachSemanticsTests {
    let harness = Harness()
    var router: EVPNRouter { harness.router }

    init() throws {
        harness.peerUp(families: [.l2vpnEVPN])
        try router.attach(attachRequest("red", mac: "52:54:00:00:00:01", ip: "12.11.11.1/24", port: "tap0"))
    }

    private func error(_ body: () throws -> Void) -> EVPNError? {
        do { try body() } catch let error as EVPNError { return error } catch { return nil }
        return nil
    }

    @Test func errorMessagesAreBaGPipes() throws {
        try router.attach(attachRequest("other", mac: "52:54:00:00:00:09", port: "tap9", vni: 5000))
        #expect(error { try router.attach(attachRequest("third", mac: "52:54:00:00:00:08", port: "tap8", vni: 5000)) }?
            .description == "A VPN instance using vni 5000 already exists.")
        #expect(error { try router.attach(attachRequest("red", mac: "52:54:00:00:00:02", ip: "12.11.11.1/24", port: "tap1")) }?
            .description == "Inconsistent endpoint info: IP 12.11.11.1/24 already bound to a MAC address different from "
            + "52:54:00:00:00:02 ({'52:54:00:00:00:01'})")
        #expect(error { try router.attach(attachRequest("red", mac: "52:54:00:00:00:01", ip: "12.11.11.2/24", port: "tap1")) }?
            .description == "Port information is not consistent. MAC address cannot be bound to two different ports. "
            + "Previous plug for port tap1 ({'linuxif': 'tap0'} != {'linuxif': 'tap1'})")
        #expect(error { try router.detach(DetachRequest(instanceID: "nope", mac: mac("52:54:00:00:00:01"))) }?
            .description == "VPN nope could not be found")
        #expect(error { try router.detach(DetachRequest(instanceID: "red", mac: mac("52:54:00:00:00:07"), ip: prefix("12.11.11.7/24"))) }?
            .description == "Endpoint ('52:54:00:00:00:07', '12.11.11.7/24') not plugged yet, can't unplug")
        #expect(error { try router.detach(DetachRequest(instanceID: "red", mac: mac("52:54:00:00:00:01"), ip: prefix("12.11.11.5/24"))) }?
            .description == "Inconsistent endpoint info: IP 12.11.11.5/24 already bound to a MAC address different from "
            + "52:54:00:00:00:01 (set())")
        let subnet = error {
            var request = attachRequest("red", mac: "52:54:00:00:00:01", ip: "12.11.11.1/24", port: "tap0")
            request.advertiseSubnet = true
            try router.attach(request)
        }
        #expect(subnet == .subnetAdvertisementUnsupported(prefix("12.11.11.1/24")))
        #expect(subnet?.isInternalError == true)
        #expect(error { try router.attach(attachRequest("big", mac: "52:54:00:00:00:06", port: "tap6", vni: 1 << 24) ) }
            == .vniOutOfRange(1 << 24))
    }

    @Test func identicalReattachChangesNothing() throws {
        harness.output.forget()
        try router.attach(attachRequest("red", mac: "52:54:00:00:00:01", ip: "12.11.11.1/24", port: "tap0"))
        #expect(harness.intents.isEmpty)
        #expect(harness.updates().isEmpty)
    }

    @Test func reattachWithAnotherLocalPreferenceReadvertises() throws {
        harness.output.forget()
        var request = attachRequest("red", mac: "52:54:00:00:00:01", ip: "12.11.11.1/24", port: "tap0")
        request.localPreference = 300
        try router.attach(request)
        #expect(harness.intents.isEmpty)
        #expect(harness.announced().map(\.attributes.localPreference) == [300])
    }

    @Test func ipAttachReplacesTheMACOnlyEndpoint() throws {
        try router.attach(attachRequest("red", mac: "52:54:00:00:00:02", port: "tap2"))
        harness.output.forget()
        try router.attach(attachRequest("red", mac: "52:54:00:00:00:02", ip: "12.11.11.2/24", port: "tap2"))
        #expect(harness.intents.isEmpty)
        #expect(harness.withdrawn() == [.evpn(Routes.macIP(rd: "198.51.100.11:0", mac: "52:54:00:00:00:02", label: 16))])
        #expect(harness.announced().map(\.nlri) == [.evpn(Routes.macIP(rd: "198.51.100.11:0", mac: "52:54:00:00:00:02",
                                                                       ip: "12.11.11.2", label: 16))])
    }

    @Test func detachWithoutIPRemovesEveryEndpointOfTheMAC() throws {
        try router.attach(attachRequest("red", mac: "52:54:00:00:00:01", ip: "12.11.11.3/24", port: "tap0"))
        try router.attach(attachRequest("red", mac: "52:54:00:00:00:02", port: "tap2"))
        harness.output.forget()
        try router.detach(DetachRequest(instanceID: "red", mac: mac("52:54:00:00:00:01")))
        #expect(harness.intents == [.unplugPort(externalID: "red", interface: "tap0", mac: mac("52:54:00:00:00:01"))])
        #expect(Set(harness.withdrawn()) == [
            .evpn(Routes.macIP(rd: "198.51.100.11:0", mac: "52:54:00:00:00:01", ip: "12.11.11.1", label: 16)),
            .evpn(Routes.macIP(rd: "198.51.100.11:0", mac: "52:54:00:00:00:01", ip: "12.11.11.3", label: 16)),
        ])
        // An unknown MAC without IP is accepted silently, as BaGPipe does.
        #expect(error { try router.detach(DetachRequest(instanceID: "red", mac: mac("52:54:00:00:00:05"))) } == nil)
    }

    @Test func oneOfTwoEndpointsOfAMACLeavesThePortPlugged() throws {
        try router.attach(attachRequest("red", mac: "52:54:00:00:00:01", ip: "12.11.11.3/24", port: "tap0"))
        harness.output.forget()
        try router.detach(DetachRequest(instanceID: "red", mac: mac("52:54:00:00:00:01"), ip: prefix("12.11.11.1/24")))
        #expect(harness.intents.isEmpty)
        #expect(harness.withdrawn() == [.evpn(Routes.macIP(rd: "198.51.100.11:0", mac: "52:54:00:00:00:01",
                                                           ip: "12.11.11.1", label: 16))])
    }

    @Test func lastDetachDeletesTheInstanceAndItsRoutes() throws {
        harness.output.forget()
        try router.detach(DetachRequest(instanceID: "red", mac: mac("52:54:00:00:00:01"), ip: prefix("12.11.11.1/24")))
        #expect(harness.intents == [.unplugPort(externalID: "red", interface: "tap0", mac: mac("52:54:00:00:00:01")),
                                    .deleteInstance(externalID: "red")])
        #expect(Set(harness.withdrawn()) == [
            .evpn(Routes.macIP(rd: "198.51.100.11:0", mac: "52:54:00:00:00:01", ip: "12.11.11.1", label: 16)),
            .evpn(Routes.multicast(rd: "198.51.100.11:0", originator: "198.51.100.11")),
        ])
        #expect(router.instanceSnapshots().isEmpty)
        #expect(router.summary().localRoutes == 0)
        // The VNI and RD are free again, but handed out again only "as late as possible".
        try router.attach(attachRequest("red", mac: "52:54:00:00:00:01", port: "tap0"))
        #expect(router.vni(of: "red") == 17)
    }

    @Test func exportTargetChangeReadvertisesEverything() throws {
        harness.output.forget()
        try router.attach(attachRequest("red", mac: "52:54:00:00:00:01", ip: "12.11.11.1/24", targets: [red, blue], port: "tap0"))
        #expect(harness.intents.isEmpty)
        let announced = harness.announced()
        #expect(announced.count == 2)
        #expect(announced.allSatisfy { $0.attributes.extendedCommunities == [.encapsulation(.vxlan), .routeTarget(red),
                                                                            .routeTarget(blue)] })
        #expect(router.instanceSnapshot("red")!.importRouteTargets == [red, blue])
    }

    @Test func emptyExportTargetsWithdrawEverything() throws {
        harness.output.forget()
        var request = attachRequest("red", mac: "52:54:00:00:00:01", ip: "12.11.11.1/24", port: "tap0")
        request.exportRouteTargets = []
        try router.attach(request)
        #expect(harness.withdrawn().count == 2)
        #expect(harness.announced().isEmpty)
    }
}
