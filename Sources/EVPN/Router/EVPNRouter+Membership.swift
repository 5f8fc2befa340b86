import BGPWire

/// Route-target constraint (RFC 4684).
extension EVPNRouter {
    /// An instance now imports `target`: the first one makes us announce membership (origin AS = ours).
    func addLocalMembership(_ target: RouteTarget) {
        localMemberships[target, default: 0] += 1
        if localMemberships[target] == 1 { originateMembership(target, wanted: true) }
    }

    /// An instance stopped importing `target`: the last one withdraws our membership.
    func removeLocalMembership(_ target: RouteTarget) {
        guard let count = localMemberships[target] else { return }
        localMemberships[target] = count == 1 ? nil : count - 1
        if count == 1 { originateMembership(target, wanted: false) }
    }

    private func originateMembership(_ target: RouteTarget, wanted: Bool) {
        guard configuration.enableRTC else { return }
        let membership = RouteTargetMembership(originAS: configuration.localAS, routeTarget: target)
        if wanted {
            let entry = membershipTable.findOrInsert(membership)
            updateMembership(entry) { $0.upsert(membershipPath()) }
        } else if let entry = membershipTable.find(membership) {
            updateMembership(entry) { $0.remove(source: .local) }
        }
    }

    /// The membership path `peer` should have for `entry`: the best of the paths that may be
    /// advertised to it. Choosing per peer is what lets a route reflector tell client A about
    /// client B's interest in a target even when A announced the same membership NLRI (all
    /// clients share the origin AS): A must send the route reflector the routes B wants.
    /// The overall best path, when it may go to `peer`, is its answer without scanning the others.
    func advertisedMembership(_ entry: MembershipEntry, to peer: PeerState) -> Path? {
        guard peer.families.contains(.routeTargetConstraint), let best = entry.paths.best else { return nil }
        if policy.mayAdvertise(best, from: self.peer(of: best.source), to: peer) { return best }
        let eligible = entry.paths.all.filter { policy.mayAdvertise($0, from: self.peer(of: $0.source), to: peer) }
        guard !eligible.isEmpty else { return nil }
        return eligible[decision.best(of: eligible)]
    }

    /// Applies `mutate` to the paths of a membership route and tells each peer what changed for it.
    func updateMembership(_ entry: MembershipEntry, _ mutate: (inout PathList) -> Void) {
        let receivers = establishedPeers.filter { $0.families.contains(.routeTargetConstraint) }
        let before = receivers.map { advertisedMembership(entry, to: $0) }
        mutate(&entry.paths)
        entry.paths.select(decision.best(of:))
        if entry.paths.isEmpty { membershipTable.remove(entry.key) }
        for (peer, old) in zip(receivers, before) {
            let new = advertisedMembership(entry, to: peer)
            if let new {
                if old == nil || !old!.isSame(as: new) { peer.enqueue(.announce(new), for: .membership(entry.key)) }
            } else if old != nil {
                peer.enqueue(.withdraw(.routeTargetMembership(entry.key)), for: .membership(entry.key))
            }
        }
    }

    /// Queues every membership route `peer` should have (session start, route refresh).
    func announceAllMemberships(to peer: PeerState) {
        membershipTable.forEach { entry in
            if let path = advertisedMembership(entry, to: peer) {
                peer.enqueue(.announce(path), for: .membership(entry.key))
            }
        }
    }

    /// A route reflector stands in for its peers without rtc: towards rtc peers it announces the
    /// default membership (prefix length 0, RFC 4684 §4) on their behalf, so that those send it
    /// every VPN route the peers without rtc expect to receive.
    func setStandInDefaultMembership(for peer: PeerState, present: Bool) {
        let entry = membershipTable.findOrInsert(.default)
        if present {
            let path = Path(source: peer.source, label: 0, attributes: membershipPath().attributes, fullRoute: nil)
            updateMembership(entry) { $0.upsert(path) }
        } else {
            updateMembership(entry) { $0.remove(source: peer.source) }
        }
    }
}
