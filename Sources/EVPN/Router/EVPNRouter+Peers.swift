import BGPWire
import NetAddress

/// The BGP side: sessions coming and going, UPDATEs received, route refresh.
extension EVPNRouter {
    /// A session reached Established. `families` are those negotiated (only EVPN and RT
    /// membership matter here); the peer is iBGP when `peerAS` is ours. Sends the peer our
    /// routes (RT membership first) and End-of-RIB for each family; towards a peer with rtc the
    /// EVPN End-of-RIB waits for the peer's own RT membership End-of-RIB, since its memberships
    /// decide which EVPN routes it gets (RFC 4684).
    ///
    /// Stale routes kept from the peer's previous session (graceful restart) survive only for the
    /// `preservedFamilies` (negotiated, and with the F bit set in the peer's graceful restart
    /// capability), until the peer's End-of-RIB for the family (RFC 4724 §4.2).
    public func peerUp(_ address: IPAddress, routerID: IPv4Address, families: Set<AddressFamily>, peerAS: UInt32,
                       isRouteReflectorClient: Bool = false, preservedFamilies: Set<AddressFamily> = []) {
        defer { flush() }
        if peers[address] != nil { removePeer(address) }
        let handled = families.intersection([.l2vpnEVPN, .routeTargetConstraint])
        resumeStale(of: address, preservedFamilies: preservedFamilies.intersection(handled))
        let peer = PeerState(address: address, source: allocateSource(), routerID: routerID, peerAS: peerAS,
                             localAS: configuration.localAS, isRouteReflectorClient: isRouteReflectorClient,
                             families: handled,
                             constrainsRouteTargets: configuration.enableRTC && handled.contains(.routeTargetConstraint))
        peers[address] = peer
        sources[peer.source.rawValue] = peer
        if peer.isExternal { hasHadExternalPeer = true }
        logger.info("EVPN peer \(address) up: \(handled.sorted().map(\.description).joined(separator: ", "))")
        startPendingCatchUpWindows()

        if peer.families.contains(.routeTargetConstraint) {
            announceAllMemberships(to: peer)
            peer.pendingEndOfRIB.append(.routeTargetConstraint)
        }
        if peer.families.contains(.l2vpnEVPN) {
            announceAllEVPN(to: peer)
            if !peer.constrainsRouteTargets { peer.pendingEndOfRIB.append(.l2vpnEVPN) }
            if isRouteReflector && !peer.constrainsRouteTargets && configuration.enableRTC {
                setStandInDefaultMembership(for: peer, present: true)
            }
        }
    }

    /// The session went down. Routes of the `retaining` families (those graceful restart keeps,
    /// `NegotiatedSession.familiesRetained(after:)`) stay, marked stale, in the RIB and the
    /// dataplane until `dropStaleRoutes(of:)`, or until the next session replaces them; every other
    /// route learned from the peer is withdrawn. Stale routes left from an earlier session are
    /// deleted first: consecutive restarts (RFC 4724 §4.2). Returns how many routes are kept stale.
    @discardableResult
    public func peerDown(_ address: IPAddress, retaining families: Set<AddressFamily> = []) -> Int {
        defer { flush() }
        if let stale = stalePeers[address] {
            let count = dropStale(stale, families: stale.staleFamilies)
            logger.notice("peer \(address) down again before End-of-RIB: deleted \(count) stale route(s) (RFC 4724 §4.2)")
        }
        guard let peer = peers[address] else { return 0 }
        let retained = families.intersection(peer.families)
        guard !retained.isEmpty else {
            removePeer(address)
            return 0
        }
        logger.info("EVPN peer \(address) down, graceful restart for \(Self.names(retained))")
        return keepStale(peer, families: retained)
    }

    private func removePeer(_ address: IPAddress) {
        guard let peer = peers.removeValue(forKey: address) else { return }
        logger.info("EVPN peer \(address) down")
        removePaths(of: peer.source, family: .routeTargetConstraint)
        removePaths(of: peer.source, family: .l2vpnEVPN)
        releaseSource(peer.source)
    }

    /// The peer asked for our routes again (RFC 2918): re-sends every route of the family.
    public func routeRefresh(_ family: AddressFamily, from address: IPAddress) {
        defer { flush() }
        guard let peer = peers[address] else { return }
        if family == .routeTargetConstraint { announceAllMemberships(to: peer) }
        if family == .l2vpnEVPN { announceAllEVPN(to: peer) }
    }

    /// An UPDATE from an established peer. Handles End-of-RIB, withdrawals, announcements (an
    /// announcement replaces the peer's previous path: implicit withdraw), treat-as-withdraw
    /// (RFC 7606 §2), and drops routes that looped back: our ORIGINATOR_ID (RFC 4456 §8), our
    /// cluster id in CLUSTER_LIST when reflecting, our AS in the AS_PATH of an eBGP route.
    public func receive(_ update: UpdateMessage, from address: IPAddress) {
        defer { flush() }
        guard let peer = peers[address] else { return }
        peer.receivedUpdateCount += 1
        if let family = update.endOfRIBFamily {
            peer.receivedEndOfRIB.insert(family)
            endOfRIBEndsStale(of: address, family: family)
            if family == .routeTargetConstraint, peer.constrainsRouteTargets, peer.families.contains(.l2vpnEVPN),
               !peer.sentEndOfRIB.contains(.l2vpnEVPN), !peer.pendingEndOfRIB.contains(.l2vpnEVPN) {
                peer.pendingEndOfRIB.append(.l2vpnEVPN)
            }
            return
        }
        let oldFilter = peer.filter
        let received = peer.isExternal ? Self.discardingInternalAttributes(update.attributes) : update.attributes
        var withdrawn = received.mpUnreach.map { [($0.family, $0.nlri)] } ?? []
        if let reach = received.mpReach {
            if update.treatAsWithdraw || reach.nextHops.isEmpty || hasLooped(received, from: peer) {
                withdrawn.append((reach.family, reach.nlri))
            } else {
                let attributes = interner.intern(received, nextHop: reach.nextHops[0])
                let stale = stalePeers.isEmpty ? nil : staleSource(of: address, family: reach.family)
                for nlri in reach.nlri where peer.families.contains(reach.family) {
                    learn(nlri, attributes: attributes, from: peer, replacing: stale)
                }
            }
        }
        for (family, nlri) in withdrawn where peer.families.contains(family) {
            let stale = stalePeers.isEmpty ? nil : staleSource(of: address, family: family)
            for item in nlri { forget(item, from: peer, replacing: stale) }
        }
        let touchesMemberships = update.attributes.mpReach?.family == .routeTargetConstraint
            || update.attributes.mpUnreach?.family == .routeTargetConstraint
        if touchesMemberships && peer.filter != oldFilter { reevaluateEVPN(for: peer, oldFilter: oldFilter) }
    }

    private func hasLooped(_ attributes: PathAttributes, from peer: PeerState) -> Bool {
        if attributes.originatorID == configuration.routerID { return true }
        if let clusterID = configuration.routeReflectorClusterID, attributes.clusterList.contains(clusterID) { return true }
        return peer.isExternal && attributes.asPath.contains { $0.asns.contains(configuration.localAS) }
    }

    /// Takes `peer`'s path for `nlri`; the peer's stale path for it (source `stale`, from its
    /// previous session) is replaced in the same step (RFC 4724 §4.2), so the route never flaps.
    private func learn(_ nlri: NLRI, attributes: AttributeSet, from peer: PeerState, replacing stale: SourceID?) {
        var replacedStale = false
        switch nlri {
        case .evpn(let route):
            let (key, label, fullRoute) = EVPNRouteKey.split(route)
            let entry = evpnTable.findOrInsert(key)
            if entry.paths.path(from: peer.source) == nil { peer.receivedRouteCounts[.l2vpnEVPN, default: 0] += 1 }
            let path = Path(source: peer.source, label: label, attributes: attributes, fullRoute: fullRoute.map(FullRoute.init))
            update(entry) {
                $0.upsert(path)
                if let stale { replacedStale = $0.remove(source: stale) }
            }
        case .routeTargetMembership(let membership):
            let entry = membershipTable.findOrInsert(membership)
            if entry.paths.path(from: peer.source) == nil {
                peer.receivedRouteCounts[.routeTargetConstraint, default: 0] += 1
            }
            if peer.constrainsRouteTargets { peer.filter.add(membership) }
            let path = Path(source: peer.source, label: 0, attributes: attributes, fullRoute: nil)
            updateMembership(entry) {
                $0.upsert(path)
                if let stale { replacedStale = $0.remove(source: stale) }
            }
        case .ipv4Unicast, .ipv6Unicast:
            break
        }
        if replacedStale { staleReplaced(of: peer.address, family: nlri.family) }
    }

    /// Drops `peer`'s path for `nlri`, and its stale path (source `stale`) if any.
    private func forget(_ nlri: NLRI, from peer: PeerState, replacing stale: SourceID?) {
        let replacedStale: Bool
        switch nlri {
        case .evpn(let route):
            replacedStale = dropPaths(of: peer, stale: stale, in: evpnTable.find(EVPNRouteKey.split(route).key),
                                      family: .l2vpnEVPN, update: update)
        case .routeTargetMembership(let membership):
            peer.filter.remove(membership)
            replacedStale = dropPaths(of: peer, stale: stale, in: membershipTable.find(membership),
                                      family: .routeTargetConstraint, update: updateMembership)
        case .ipv4Unicast, .ipv6Unicast:
            replacedStale = false
        }
        if replacedStale { staleReplaced(of: peer.address, family: nlri.family) }
    }

    /// Removes `peer`'s path and its stale path from `entry` through the family's `update`; true
    /// when a stale path went with it.
    private func dropPaths<Key>(of peer: PeerState, stale: SourceID?, in entry: RIBEntry<Key>?, family: AddressFamily,
                                update: (RIBEntry<Key>, (inout PathList) -> Void) -> Void) -> Bool {
        guard let entry else { return false }
        let current = entry.paths.path(from: peer.source) != nil
        guard current || stale.map({ entry.paths.path(from: $0) != nil }) == true else { return false }
        if current { peer.receivedRouteCounts[family, default: 1] -= 1 }
        var replacedStale = false
        update(entry) {
            $0.remove(source: peer.source)
            if let stale { replacedStale = $0.remove(source: stale) }
        }
        return replacedStale
    }

    /// RFC 7606 §7.5, §7.9, §7.10: LOCAL_PREF, ORIGINATOR_ID and CLUSTER_LIST mean nothing from an
    /// external peer and are discarded (the codec cannot tell iBGP from eBGP; the router can).
    static func discardingInternalAttributes(_ attributes: PathAttributes) -> PathAttributes {
        var attributes = attributes
        attributes.localPreference = nil
        attributes.originatorID = nil
        attributes.clusterList = []
        return attributes
    }
}
