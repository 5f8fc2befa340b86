import BGPWire
import NetAddress

/// One EVPN instance (a MAC-VRF, RFC 7432 §6 with VXLAN, RFC 8365): what is attached locally and
/// what it imported from remote routes, with what the dataplane was told about each.
final class MACVRF {
    let externalID: String
    let vni: UInt32
    let isVNIPinned: Bool
    let routeDistinguisher: RouteDistinguisher
    /// The RD number taken from the allocator, to give back.
    let allocatedRDNumber: UInt32?
    let linuxBridge: String?
    var description: String?
    /// Normalized (RFC 4684 §4).
    var importRouteTargets: Set<RouteTarget>
    var exportRouteTargets: [RouteTarget]

    // Local side.
    /// Change which MACs exist and on which interface only through `insertLocalMAC`,
    /// `moveLocalMAC`, `removeLocalMAC` and `removeAllLocalMACs`, which keep `macsByPort` in step.
    var localMACs: [MACAddress: LocalMAC] = [:]
    /// The local MACs on each interface: whether a port is still used, which learned MACs sit behind it.
    private(set) var macsByPort: [String: Set<MACAddress>] = [:]
    /// BaGPipe's `ip_address_2_mac`: attached IP prefixes and their MACs.
    var ipToMACs: [IPPrefix: Set<MACAddress>] = [:]
    /// Attached addresses (any prefix length) and how many endpoints use each: no neighbour entry
    /// is programmed for them.
    var localAddressCounts: [IPAddress: Int] = [:]
    var advertisesInclusiveMulticast = false
    /// Per port: the token bucket that rate-limits newly learned MACs (`LearnedMACPolicy`).
    var learningBuckets: [String: (tokens: Double, time: Double)] = [:]
    /// Learned MACs ignored for exceeding `LearnedMACPolicy` (looking glass).
    var ignoredLearnedMACs = 0
    /// Open while the routes of route targets it just started importing may still be arriving.
    var catchUp: CatchUpWindow?

    // Remote side (imported routes and the dataplane state derived from them).
    var remoteMACs: [MACAddress: MACSlot] = [:]
    var remoteIPs = IPIndex()
    var floodSources: [ObjectIdentifier: (entry: EVPNEntry, target: FloodTarget)] = [:]
    var floodCounts: [FloodTarget: Int] = [:]

    init(externalID: String, vni: UInt32, isVNIPinned: Bool, routeDistinguisher: RouteDistinguisher,
         allocatedRDNumber: UInt32?, linuxBridge: String?, importRouteTargets: Set<RouteTarget>,
         exportRouteTargets: [RouteTarget]) {
        self.externalID = externalID
        self.vni = vni
        self.isVNIPinned = isVNIPinned
        self.routeDistinguisher = routeDistinguisher
        self.allocatedRDNumber = allocatedRDNumber
        self.linuxBridge = linuxBridge
        self.importRouteTargets = importRouteTargets
        self.exportRouteTargets = exportRouteTargets
    }

    func insertLocalMAC(_ mac: MACAddress, _ local: LocalMAC) {
        localMACs[mac] = local
        macsByPort[local.interface, default: []].insert(mac)
    }

    func moveLocalMAC(_ mac: MACAddress, to interface: String) {
        guard let previous = localMACs[mac]?.interface, previous != interface else { return }
        forgetPort(previous, of: mac)
        localMACs[mac]!.interface = interface
        macsByPort[interface, default: []].insert(mac)
    }

    func removeLocalMAC(_ mac: MACAddress) {
        guard let local = localMACs.removeValue(forKey: mac) else { return }
        forgetPort(local.interface, of: mac)
    }

    func removeAllLocalMACs() {
        localMACs = [:]
        macsByPort = [:]
    }

    private func forgetPort(_ interface: String, of mac: MACAddress) {
        macsByPort[interface]?.remove(mac)
        if macsByPort[interface]?.isEmpty == true { macsByPort[interface] = nil }
    }

    /// True while an attached MAC of the instance uses `interface` (learned MACs do not count).
    func hasAttachedMAC(on interface: String) -> Bool {
        macsByPort[interface]?.contains { localMACs[$0]?.isLearned == false } ?? false
    }

    /// True while an endpoint is attached (learned MACs do not keep an instance alive).
    var hasAttachedEndpoints: Bool { localMACs.values.contains { !$0.isLearned } }

    /// The key of our type-3 route (RFC 7432 §7.3).
    func inclusiveMulticastKey(originator: IPAddress) -> EVPNRouteKey {
        .inclusiveMulticast(InclusiveMulticastRoute(routeDistinguisher: routeDistinguisher, originator: originator))
    }
}
