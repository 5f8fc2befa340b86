import BGPWire
import Collections
import NetAddress

extension EVPNRouter {
    /// Whether `path` of an EVPN route goes to `peer`: family negotiated, allowed by the iBGP and
    /// reflection rules, and, under route-target constraint (RFC 4684 §4), covered by `filter`.
    func advertisesEVPN(_ path: Path, to peer: PeerState, filter: RouteTargetFilter) -> Bool {
        guard peer.families.contains(.l2vpnEVPN),
              policy.mayAdvertise(path, from: self.peer(of: path.source), to: peer) else { return false }
        return !peer.constrainsRouteTargets || filter.covers(path.attributes.routeTargets)
    }

    /// Queues for `peer` what changes when an EVPN route's best path goes from `old` to `new`.
    func exportChange(of entry: EVPNEntry, from old: Path?, to new: Path?, peer: PeerState) {
        let wasSent = old.map { advertisesEVPN($0, to: peer, filter: peer.filter) } ?? false
        if let new, advertisesEVPN(new, to: peer, filter: peer.filter) {
            peer.enqueue(.announce(new), for: .evpn(entry.key))
        } else if wasSent, let old {
            peer.enqueue(.withdraw(.evpn(entry.key.route(label: old.label, fullRoute: old.fullRoute?.route))),
                         for: .evpn(entry.key))
        }
    }

    /// Queues every EVPN route `peer` should have (session start, route refresh).
    func announceAllEVPN(to peer: PeerState) {
        guard peer.families.contains(.l2vpnEVPN) else { return }
        if peer.constrainsRouteTargets && peer.filter.memberships.isEmpty { return }
        for entry in evpnCandidates(for: peer) {
            if let best = entry.paths.best, advertisesEVPN(best, to: peer, filter: peer.filter) {
                peer.enqueue(.announce(best), for: .evpn(entry.key))
            }
        }
    }

    /// The EVPN routes that could go to `peer`. A plain iBGP speaker without eBGP peers sends an
    /// iBGP peer only its own routes, which the instances list; otherwise the whole RIB is scanned.
    func evpnCandidates(for peer: PeerState) -> [EVPNEntry] {
        if isRouteReflector || hasHadExternalPeer || peer.isExternal { return evpnTable.entries }
        var keys: [EVPNRouteKey] = []
        for instance in instances.values {
            if instance.advertisesInclusiveMulticast {
                keys.append(instance.inclusiveMulticastKey(originator: configuration.bgpLocalAddress))
            }
            for local in instance.localMACs.values {
                keys.append(contentsOf: local.advertisedKeys.map(EVPNRouteKey.macIP))
            }
        }
        return keys.compactMap(evpnTable.find)
    }

    /// After `peer`'s route-target filter changed from `oldFilter`: announce what it now covers,
    /// withdraw what it no longer does (RFC 4684 §4).
    func reevaluateEVPN(for peer: PeerState, oldFilter: RouteTargetFilter) {
        guard peer.families.contains(.l2vpnEVPN) else { return }
        for entry in evpnCandidates(for: peer) {
            guard let best = entry.paths.best else { continue }
            let was = advertisesEVPN(best, to: peer, filter: oldFilter)
            let now = advertisesEVPN(best, to: peer, filter: peer.filter)
            if now && !was {
                peer.enqueue(.announce(best), for: .evpn(entry.key))
            } else if was && !now {
                peer.enqueue(.withdraw(.evpn(entry.key.route(label: best.label, fullRoute: best.fullRoute?.route))),
                             for: .evpn(entry.key))
            }
        }
    }

    /// Turns the oldest `limit` changes of a peer's outbox into route updates: RT membership first,
    /// then EVPN (RFC 4684 §6); in each, withdrawals then announcements grouped by attributes;
    /// End-of-RIB markers once the outbox is empty.
    func drainOutbox(of peer: PeerState, limit: Int = .max) -> [RouteUpdate] {
        let taken = min(limit, peer.outbox.count)
        let batch = taken == peer.outbox.count ? Array(peer.outbox.elements) : Array(peer.outbox.elements.prefix(taken))
        if taken == peer.outbox.count { peer.outbox.removeAll() } else { peer.outbox.removeFirst(taken) }
        var updates: [RouteUpdate] = []
        for family in [AddressFamily.routeTargetConstraint, .l2vpnEVPN] {
            var withdrawn: [NLRI] = []
            var groups = OrderedDictionary<GroupKey, [NLRI]>()
            var groupAttributes: [GroupKey: (attributes: PathAttributes, nextHop: IPAddress?)] = [:]
            for (key, action) in batch where key.family == family {
                switch action {
                case .withdraw(let nlri):
                    withdrawn.append(nlri)
                case .announce(let path):
                    let group = GroupKey(attributes: ObjectIdentifier(path.attributes), source: path.source)
                    if groupAttributes[group] == nil {
                        let nextHopSelf = family == .routeTargetConstraint ? configuration.bgpLocalAddress : nil
                        groupAttributes[group] = policy.outgoingAttributes(path, from: self.peer(of: path.source),
                                                                           to: peer, nextHopSelf: nextHopSelf)
                    }
                    groups[group, default: []].append(nlri(for: key, path: path))
                }
            }
            if !withdrawn.isEmpty { updates.append(.withdraw(family: family, nlri: withdrawn)) }
            for (group, nlri) in groups {
                guard let (attributes, nextHop) = groupAttributes[group], let nextHop else { continue }
                updates.append(.announce(family: family, nextHop: nextHop, attributes: attributes, nlri: nlri))
            }
        }
        guard peer.outbox.isEmpty else { return updates }
        for family in peer.pendingEndOfRIB {
            updates.append(.endOfRIB(family))
            peer.sentEndOfRIB.insert(family)
        }
        peer.pendingEndOfRIB.removeAll()
        return updates
    }

    private struct GroupKey: Hashable {
        var attributes: ObjectIdentifier
        var source: SourceID
    }

    /// The withdrawal of every route `address` has from us, EVPN first, then RT membership: for a
    /// shutdown that leaves nothing behind, whatever the peer does with the Cease that follows.
    /// Read from the tables (no snapshots), so it stays cheap with a million routes.
    public func withdrawalOfEverything(to address: IPAddress) -> [RouteUpdate] {
        guard let peer = peers[address] else { return [] }
        var evpn: [NLRI] = [], memberships: [NLRI] = []
        evpnTable.forEach { entry in
            guard let best = entry.paths.best, advertisesEVPN(best, to: peer, filter: peer.filter) else { return }
            evpn.append(nlri(for: .evpn(entry.key), path: best))
        }
        membershipTable.forEach { entry in
            if advertisedMembership(entry, to: peer) != nil { memberships.append(.routeTargetMembership(entry.key)) }
        }
        return [(AddressFamily.l2vpnEVPN, evpn), (.routeTargetConstraint, memberships)].compactMap { family, nlri in
            nlri.isEmpty ? nil : .withdraw(family: family, nlri: nlri)
        }
    }

    private func nlri(for key: OutboundKey, path: Path) -> NLRI {
        switch key {
        case .evpn(let evpnKey): .evpn(evpnKey.route(label: path.label, fullRoute: path.fullRoute?.route))
        case .membership(let membership): .routeTargetMembership(membership)
        }
    }
}
