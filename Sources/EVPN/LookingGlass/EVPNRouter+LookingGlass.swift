import BGPWire
import NetAddress

/// Looking-glass snapshots: plain values, computed on demand.
extension EVPNRouter {
    public func summary() -> RouterSummary {
        var local = configuration.enableRTC ? localMemberships.count : 0
        for instance in instances.values {
            if instance.advertisesInclusiveMulticast { local += 1 }
            local += instance.localMACs.values.reduce(0) { $0 + $1.advertisedKeys.count }
        }
        let received = peers.values.reduce(0) { $0 + $1.receivedRouteCounts.values.reduce(0, +) }
        return RouterSummary(establishedPeers: peers.count, instances: instances.count, localRoutes: local,
                             receivedRoutes: received, warnings: warningCount)
    }

    /// Number of routes (NLRI, not paths) in the Loc-RIB per family; cheap, unlike `ribSnapshot`.
    public func routeCounts() -> [AddressFamily: Int] {
        [.l2vpnEVPN: evpnTable.count, .routeTargetConstraint: membershipTable.count]
    }

    public func peerSnapshots() -> [PeerSnapshot] {
        establishedPeers.map { peer in
            PeerSnapshot(address: peer.address, routerID: peer.routerID, peerAS: peer.peerAS, isExternal: peer.isExternal,
                         isRouteReflectorClient: peer.isRouteReflectorClient, families: peer.families.sorted(),
                         constrainsRouteTargets: peer.constrainsRouteTargets,
                         requestedMemberships: peer.filter.memberships.sorted { $0.description < $1.description },
                         receivedRoutes: peer.receivedRouteCounts, receivedUpdates: peer.receivedUpdateCount,
                         receivedEndOfRIB: peer.receivedEndOfRIB.sorted(), sentEndOfRIB: peer.sentEndOfRIB.sorted())
        }
    }

    /// Every path of every route of `family` (EVPN or RT membership), best paths flagged.
    public func ribSnapshot(_ family: AddressFamily) -> [RouteSnapshot] {
        switch family {
        case .l2vpnEVPN:
            return evpnTable.entries.flatMap { entry in
                entry.paths.all.enumerated().map { snapshot(entry, $0.element, isBest: $0.offset == 0) }
            }
        case .routeTargetConstraint:
            return membershipTable.entries.flatMap { entry in
                entry.paths.all.enumerated().map { index, path in
                    RouteSnapshot(family: family, nlri: .routeTargetMembership(entry.key), nextHop: path.attributes.nextHop,
                                  attributes: path.attributes.attributes, source: routeSource(path.source),
                                  isBest: index == 0, importedBy: [], notImportedBecause: nil,
                                  isStale: isStale(path.source))
                }
            }
        default:
            return []
        }
    }

    /// What we currently advertise to `peer` (the best paths that pass its filters).
    public func advertisedRoutes(to address: IPAddress) -> [RouteSnapshot] {
        guard let peer = peers[address] else { return [] }
        var routes: [RouteSnapshot] = []
        membershipTable.forEach { entry in
            guard let path = advertisedMembership(entry, to: peer) else { return }
            routes.append(RouteSnapshot(family: .routeTargetConstraint, nlri: .routeTargetMembership(entry.key),
                                        nextHop: configuration.bgpLocalAddress, attributes: path.attributes.attributes,
                                        source: routeSource(path.source), isBest: true, importedBy: [],
                                        notImportedBecause: nil))
        }
        evpnTable.forEach { entry in
            guard let best = entry.paths.best, advertisesEVPN(best, to: peer, filter: peer.filter) else { return }
            routes.append(snapshot(entry, best, isBest: true))
        }
        return routes
    }

    public func instanceSnapshots() -> [InstanceSnapshot] {
        instances.keys.sorted().compactMap(instanceSnapshot)
    }

    public func instanceSnapshot(_ externalID: String) -> InstanceSnapshot? {
        guard let instance = instances[externalID] else { return nil }
        var endpoints: [EndpointSnapshot] = []
        var localKeys: [EVPNRouteKey] = []
        if instance.advertisesInclusiveMulticast {
            localKeys.append(instance.inclusiveMulticastKey(originator: configuration.bgpLocalAddress))
        }
        for (mac, local) in instance.localMACs.sorted(by: { $0.key < $1.key }) {
            for (prefix, endpoint) in local.endpoints {
                endpoints.append(EndpointSnapshot(mac: mac, ip: prefix, localPort: local.interface,
                                                  localPreference: endpoint.localPreference,
                                                  description: endpoint.description, isLearned: local.isLearned,
                                                  macMobilitySequence: local.sequence, isAdvertised: local.isAdvertised,
                                                  isDuplicate: local.isDuplicate))
            }
            localKeys += local.advertisedKeys.map(EVPNRouteKey.macIP)
        }
        let localRoutes = localKeys.compactMap { key in
            evpnTable.find(key).flatMap { entry in entry.paths.path(from: .local).map { snapshot(entry, $0, isBest: true) } }
        }
        var remoteEntries: [EVPNEntry] = instance.floodSources.values.map(\.entry)
        var remoteMACs: [RemoteMACSnapshot] = []
        for (mac, slot) in instance.remoteMACs.sorted(by: { $0.key < $1.key }) {
            remoteEntries += slot.entries.entries
            if slot.programmedVTEP != 0 {
                remoteMACs.append(RemoteMACSnapshot(mac: mac, vtep: vteps.address(of: slot.programmedVTEP),
                                                    vni: slot.programmedVNI))
            }
        }
        var neighbours: [NeighbourSnapshot] = []
        var seenIPs: Set<IPAddress> = []
        for entry in remoteEntries {
            guard case .macIP(let key) = entry.key, let ip = key.ip, seenIPs.insert(ip).inserted,
                  let slot = instance.remoteIPs[ip], slot.programmedMAC != IPSlot.none else { continue }
            neighbours.append(NeighbourSnapshot(ip: ip, mac: MACAddress(rawValue: slot.programmedMAC)))
        }
        return InstanceSnapshot(
            externalID: instance.externalID, vni: instance.vni, isVNIPinned: instance.isVNIPinned,
            routeDistinguisher: instance.routeDistinguisher, importRouteTargets: instance.importRouteTargets.sorted(),
            exportRouteTargets: instance.exportRouteTargets, linuxBridge: instance.linuxBridge,
            description: instance.description, endpoints: endpoints, localRoutes: localRoutes,
            remoteRoutes: remoteEntries.compactMap { entry in entry.paths.best.map { snapshot(entry, $0, isBest: true) } },
            remoteMACs: remoteMACs, neighbours: neighbours.sorted { $0.ip < $1.ip },
            floodList: instance.floodCounts.keys.map { FloodEntrySnapshot(vtep: $0.vtep, vni: $0.vni) }
                .sorted { ($0.vtep, $0.vni) < ($1.vtep, $1.vni) },
            ignoredLearnedMACs: instance.ignoredLearnedMACs,
            isCatchingUp: instance.catchUp.map { now() < $0.until } ?? false)
    }

    private func routeSource(_ source: SourceID) -> RouteSource {
        peer(of: source).map { .peer($0.address) } ?? .local
    }

    private func isStale(_ source: SourceID) -> Bool {
        peer(of: source).map { !$0.staleFamilies.isEmpty } ?? false
    }

    private func snapshot(_ entry: EVPNEntry, _ path: Path, isBest: Bool) -> RouteSnapshot {
        var importedBy: [String] = []
        var obstacle: String?
        if isBest, !path.source.isLocal {
            importedBy = importingInstances(path, key: entry.key).map(\.externalID).sorted()
            if importedBy.isEmpty, path.attributes.routeTargets.contains(where: { importers[$0] != nil }) {
                obstacle = importObstacle(path, key: entry.key)
            }
        }
        return RouteSnapshot(family: .l2vpnEVPN,
                             nlri: .evpn(entry.key.route(label: path.label, fullRoute: path.fullRoute?.route)),
                             nextHop: path.attributes.nextHop, attributes: path.attributes.attributes,
                             source: routeSource(path.source), isBest: isBest, importedBy: importedBy,
                             notImportedBecause: obstacle, isStale: isStale(path.source))
    }
}
