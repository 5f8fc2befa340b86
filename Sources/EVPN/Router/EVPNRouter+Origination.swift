import BGPWire
import NetAddress

extension EVPNRouter {
    /// Attributes shared by everything we originate: ORIGIN IGP, empty AS_PATH (RFC 4271 §5.1.2),
    /// LOCAL_PREF.
    private func baseAttributes(localPreference: UInt32?) -> PathAttributes {
        var attributes = PathAttributes()
        attributes.origin = .igp
        attributes.localPreference = localPreference ?? configuration.defaultLocalPreference
        return attributes
    }

    /// Encapsulation VXLAN (RFC 8365 §5.1.3) and the export route targets, BaGPipe's order.
    private func vpnCommunities(of instance: MACVRF) -> [ExtendedCommunity] {
        [.encapsulation(.vxlan)] + instance.exportRouteTargets.map(ExtendedCommunity.routeTarget)
    }

    /// Our type-2 route for one endpoint (RFC 7432 §7.2, RFC 8365 §5.1.3): label = VNI, next hop =
    /// dataplane address, MAC mobility community once the MAC has moved (§7.7, sequence > 0).
    func macIPPath(in instance: MACVRF, endpoint: LocalEndpoint, sequence: UInt32) -> Path {
        var attributes = baseAttributes(localPreference: endpoint.localPreference)
        attributes.extendedCommunities = vpnCommunities(of: instance)
        if sequence > 0 { attributes.extendedCommunities.append(.macMobility(sequence: sequence, sticky: false)) }
        let set = interner.intern(attributes, nextHop: configuration.dataplaneLocalAddress)
        return Path(source: .local, label: instance.vni, attributes: set, fullRoute: nil)
    }

    /// Our type-3 route (RFC 7432 §7.3, §11.2): PMSI ingress replication to the dataplane address
    /// with label = VNI; next hop = BGP address (as BaGPipe).
    func inclusiveMulticastPath(in instance: MACVRF) -> Path {
        var attributes = baseAttributes(localPreference: nil)
        attributes.extendedCommunities = vpnCommunities(of: instance)
        attributes.pmsiTunnel = .ingressReplication(endpoint: configuration.dataplaneLocalAddress, label: instance.vni)
        let set = interner.intern(attributes, nextHop: configuration.bgpLocalAddress)
        return Path(source: .local, label: 0, attributes: set, fullRoute: nil)
    }

    /// Our RT membership route (RFC 4684 §4): next hop = BGP address.
    func membershipPath() -> Path {
        let set = interner.intern(baseAttributes(localPreference: nil), nextHop: configuration.bgpLocalAddress)
        return Path(source: .local, label: 0, attributes: set, fullRoute: nil)
    }

    /// Makes our type-2 routes for `mac` match its endpoints, the instance's export targets and
    /// whether we own the MAC: originates what is missing, withdraws what is no longer wanted.
    func syncLocalRoutes(of mac: MACAddress, in instance: MACVRF) {
        var wanted: [MACIPRouteKey: Path] = [:]
        if let local = instance.localMACs[mac], local.isAdvertised, !instance.exportRouteTargets.isEmpty {
            for (prefix, endpoint) in local.endpoints {
                let key = MACIPRouteKey(routeDistinguisher: instance.routeDistinguisher, mac: mac, ethernetTag: 0,
                                        ip: prefix?.address)
                wanted[key] = macIPPath(in: instance, endpoint: endpoint, sequence: local.sequence)
            }
        }
        let previous = instance.localMACs[mac]?.advertisedKeys ?? []
        for (key, path) in wanted { originate(.macIP(key), path) }
        for key in previous where wanted[key] == nil { originate(.macIP(key), nil) }
        if instance.localMACs[mac] != nil { instance.localMACs[mac]!.advertisedKeys = Set(wanted.keys) }
    }

    /// Originates the instance's type-3 route while it has export targets.
    func syncInclusiveMulticast(of instance: MACVRF) {
        let key = instance.inclusiveMulticastKey(originator: configuration.bgpLocalAddress)
        let wanted = !instance.exportRouteTargets.isEmpty
        originate(key, wanted ? inclusiveMulticastPath(in: instance) : nil)
        instance.advertisesInclusiveMulticast = wanted
    }
}
