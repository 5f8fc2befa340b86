import BGPWire
import Dataplane
import NetAddress

extension EVPNRouter {
    /// Why a remote type-2/3 path is not imported by any instance, or nil if it may be.
    func importObstacle(_ path: Path, key: EVPNRouteKey) -> String? {
        if path.source.isLocal { return "own route" }
        switch path.attributes.encapsulation {
        case .vxlan: break
        case .absent where configuration.assumeVXLANWhenEncapsulationMissing: break
        case .absent: return "no encapsulation extended community (RFC 8365: MPLS)"
        case .other: return "encapsulation other than VXLAN"
        }
        let vtep: IPAddress?
        switch key {
        case .macIP: vtep = path.attributes.nextHop
        case .inclusiveMulticast:
            guard let tunnel = path.attributes.ingressReplication else { return "no ingress replication PMSI tunnel" }
            vtep = tunnel.endpoint
        case .other: return "route type not imported"
        }
        guard let vtep else { return "no next hop" }
        if vtep == configuration.dataplaneLocalAddress { return "our own VTEP address" }
        return nil
    }

    /// The instances importing `path`: those with an import route target the route carries.
    func importingInstances(_ path: Path?, key: EVPNRouteKey) -> [MACVRF] {
        guard let path, importObstacle(path, key: key) == nil else { return [] }
        let targets = path.attributes.routeTargets
        if targets.count == 1 { return importers[targets[0]] ?? [] }
        var result: [MACVRF] = []
        for target in targets {
            for instance in importers[target] ?? [] where !result.contains(where: { $0 === instance }) {
                result.append(instance)
            }
        }
        return result
    }

    /// Updates the instances that import the route before or after its best path changed, and
    /// the dataplane state derived from them.
    func importChange(of entry: EVPNEntry, from old: Path?, to new: Path?) {
        if case .other = entry.key { return }
        let before = importingInstances(old, key: entry.key)
        let after = importingInstances(new, key: entry.key)
        for instance in before where !after.contains(where: { $0 === instance }) {
            withdrawImport(of: entry, from: instance)
        }
        for instance in after {
            if before.contains(where: { $0 === instance }) {
                refreshImport(of: entry, in: instance)
            } else {
                addImport(of: entry, to: instance)
            }
        }
    }

    /// `entry` (whose best path is importable) starts being imported by `instance`.
    func addImport(of entry: EVPNEntry, to instance: MACVRF) {
        if instance.catchUp?.isAnswered == false { noteCatchUpAnswer(in: instance) }
        switch entry.key {
        case .macIP(let key):
            if let slot = instance.remoteMACs[key.mac] {
                instance.remoteMACs[key.mac]!.entries = slot.entries.adding(entry)
            } else {
                instance.remoteMACs[key.mac] = MACSlot(entries: .one(entry))
            }
            if let ip = key.ip {
                if let slot = instance.remoteIPs[ip] {
                    instance.remoteIPs[ip]!.entries = slot.entries.adding(entry)
                } else {
                    instance.remoteIPs[ip] = IPSlot(entries: .one(entry))
                }
            }
            resolve(key, in: instance)
        case .inclusiveMulticast:
            setFloodSource(entry, in: instance)
        case .other:
            break
        }
    }

    /// `entry` stops being imported by `instance` (its best path was already replaced or removed).
    func withdrawImport(of entry: EVPNEntry, from instance: MACVRF) {
        switch entry.key {
        case .macIP(let key):
            if let slot = instance.remoteMACs[key.mac] {
                if let left = slot.entries.removing(entry) {
                    instance.remoteMACs[key.mac]!.entries = left
                } else {
                    retireMACSlot(key.mac, in: instance)
                }
            }
            if let ip = key.ip, let slot = instance.remoteIPs[ip] {
                if let left = slot.entries.removing(entry) {
                    instance.remoteIPs[ip]!.entries = left
                } else {
                    retireIPSlot(ip, in: instance)
                }
            }
            resolve(key, in: instance)
        case .inclusiveMulticast:
            removeFloodSource(entry, in: instance)
        case .other:
            break
        }
    }

    /// The best path of `entry`, still imported by `instance`, changed.
    func refreshImport(of entry: EVPNEntry, in instance: MACVRF) {
        switch entry.key {
        case .macIP(let key): resolve(key, in: instance)
        case .inclusiveMulticast: setFloodSource(entry, in: instance)
        case .other: break
        }
    }

    private func resolve(_ key: MACIPRouteKey, in instance: MACVRF) {
        resolveMAC(key.mac, in: instance)
        if let ip = key.ip { resolveNeighbour(ip, in: instance) }
    }

    // MARK: MAC → VTEP (RFC 7432 §9.2.2, with MAC mobility, §15)

    /// One claim on a MAC: a remote route's best path, or our local attachment.
    struct MACClaim {
        var sticky: Bool
        var sequence: UInt32
        var vtep: IPAddress
        var vni: UInt32

        /// RFC 7432 §15: a sticky (static) MAC cannot move; otherwise the higher sequence number
        /// wins; on a tie, the lower VTEP address (§15.1). The VNI only makes the choice total.
        func beats(_ other: MACClaim) -> Bool {
            if sticky != other.sticky { return sticky }
            if sequence != other.sequence { return sequence > other.sequence }
            if vtep != other.vtep { return vtep < other.vtep }
            return vni < other.vni
        }
    }

    func claim(of entry: EVPNEntry) -> MACClaim? {
        guard let path = entry.paths.best, let vtep = path.attributes.nextHop else { return nil }
        return MACClaim(sticky: path.attributes.isSticky, sequence: path.attributes.macMobilitySequence,
                        vtep: vtep, vni: path.label)
    }

    func bestRemoteClaim(for mac: MACAddress, in instance: MACVRF) -> MACClaim? {
        var best: MACClaim?
        instance.remoteMACs[mac]?.entries.forEach { entry in
            guard let claim = claim(of: entry) else { return }
            if best == nil || claim.beats(best!) { best = claim }
        }
        return best
    }

    /// Decides who owns `mac` in `instance` (us or a remote VTEP), programs the remote FDB entry
    /// accordingly and starts or stops advertising our own routes for it. A remote claim that
    /// arrives while a new instance's routes are still coming in may instead raise our sequence
    /// number (`catchUpSequence`).
    func resolveMAC(_ mac: MACAddress, in instance: MACVRF) {
        let remote = bestRemoteClaim(for: mac, in: instance)
        var localWins = false
        if let local = instance.localMACs[mac] {
            var ours = MACClaim(sticky: false, sequence: local.sequence, vtep: configuration.dataplaneLocalAddress,
                                vni: instance.vni)
            var resequenced = false
            if !local.isLearned, let remote, remote.beats(ours),
               let sequence = catchUpSequence(for: mac, over: remote, in: instance) {
                ours.sequence = sequence
                resequenced = true
            }
            // A learned MAC never outranks another VTEP's claim, whatever the sequence numbers: only an
            // attachment says where a MAC belongs (a guest sending another tenant's MAC takes nothing).
            localWins = remote.map { !local.isLearned && ours.beats($0) } ?? true
            if resequenced && local.isWinning == localWins {
                syncLocalRoutes(of: mac, in: instance)
            } else if local.isWinning != localWins {
                instance.localMACs[mac]!.isWinning = localWins
                if !localWins, let remote, local.isLearned {
                    warn("MAC \(mac) learned on \(local.interface) of instance \(instance.externalID) is claimed by \(remote.vtep): "
                         + "not advertised (a learned MAC never outranks another VTEP's)")
                } else if !localWins, let remote {
                    let reason = remote.sticky ? "a sticky (static) route" : "sequence number \(remote.sequence)"
                    warn("MAC \(mac) of instance \(instance.externalID) moved to \(remote.vtep) (\(reason)); withdrawing our route")
                }
                countMove(of: mac, in: instance)
                syncLocalRoutes(of: mac, in: instance)
            }
        }
        guard let slot = instance.remoteMACs[mac] else { return }
        let wanted: (vtep: UInt32, vni: UInt32) = if let remote, !localWins {
            (vteps.id(for: remote.vtep), remote.vni)
        } else {
            (0, 0)
        }
        guard wanted.vtep != slot.programmedVTEP || wanted.vni != slot.programmedVNI else { return }
        if wanted.vtep != 0 {
            pendingIntents.append(.setRemoteMAC(externalID: instance.externalID, mac: mac,
                                                vtep: vteps.address(of: wanted.vtep), vni: wanted.vni))
        } else {
            pendingIntents.append(.removeRemoteMAC(externalID: instance.externalID, mac: mac,
                                                   vtep: vteps.address(of: slot.programmedVTEP),
                                                   vni: slot.programmedVNI))
        }
        instance.remoteMACs[mac]!.programmedVTEP = wanted.vtep
        instance.remoteMACs[mac]!.programmedVNI = wanted.vni
    }

    /// Records that `mac` moved between here and a remote VTEP; more than the configured number of
    /// moves within the window marks it duplicate: it stops being advertised (RFC 7432 §15.1,
    /// default 5 moves in 180 s) until it is detached.
    private func countMove(of mac: MACAddress, in instance: MACVRF) {
        guard let limit = configuration.macMoveLimit, var local = instance.localMACs[mac], !local.isDuplicate else { return }
        let time = now()
        local.recentMoves = local.recentMoves.filter { time - $0 < limit.seconds } + [time]
        if local.recentMoves.count > limit.moves {
            local.isDuplicate = true
            local.recentMoves = []
            warn("MAC \(mac) of instance \(instance.externalID) moved more than \(limit.moves) times in "
                 + "\(Int(limit.seconds)) s: duplicate, no longer advertised until detached")
        }
        instance.localMACs[mac] = local
    }

    /// The last remote route for `mac` left `instance`: remove its FDB entry.
    private func retireMACSlot(_ mac: MACAddress, in instance: MACVRF) {
        guard let slot = instance.remoteMACs.removeValue(forKey: mac), slot.programmedVTEP != 0 else { return }
        pendingIntents.append(.removeRemoteMAC(externalID: instance.externalID, mac: mac,
                                               vtep: vteps.address(of: slot.programmedVTEP), vni: slot.programmedVNI))
    }

    // MARK: IP → MAC (neighbour entries for ARP/ND suppression)

    /// Programs the neighbour entry of a remote IP: the MAC of its best claim, none when the
    /// address is attached locally.
    func resolveNeighbour(_ ip: IPAddress, in instance: MACVRF) {
        guard let slot = instance.remoteIPs[ip] else { return }
        var wanted = IPSlot.none
        if instance.localAddressCounts[ip] == nil {
            var best: (claim: MACClaim, mac: MACAddress)?
            slot.entries.forEach { entry in
                guard case .macIP(let key) = entry.key, let claim = claim(of: entry) else { return }
                if best == nil || claim.beats(best!.claim) || (!best!.claim.beats(claim) && key.mac < best!.mac) {
                    best = (claim, key.mac)
                }
            }
            if let best { wanted = best.mac.rawValue }
        }
        guard wanted != slot.programmedMAC else { return }
        if wanted != IPSlot.none {
            pendingIntents.append(.setNeighbour(externalID: instance.externalID, ip: ip, mac: MACAddress(rawValue: wanted)))
        } else {
            pendingIntents.append(.removeNeighbour(externalID: instance.externalID, ip: ip,
                                                   mac: MACAddress(rawValue: slot.programmedMAC)))
        }
        instance.remoteIPs[ip]!.programmedMAC = wanted
    }

    private func retireIPSlot(_ ip: IPAddress, in instance: MACVRF) {
        guard let slot = instance.remoteIPs[ip] else { return }
        instance.remoteIPs[ip] = nil
        if slot.programmedMAC != IPSlot.none {
            pendingIntents.append(.removeNeighbour(externalID: instance.externalID, ip: ip,
                                                   mac: MACAddress(rawValue: slot.programmedMAC)))
        }
    }

    // MARK: Flood list (type 3, RFC 7432 §11.2)

    /// Records (or updates) the flood-list entry `entry` contributes to `instance`.
    func setFloodSource(_ entry: EVPNEntry, in instance: MACVRF) {
        guard let tunnel = entry.paths.best?.attributes.ingressReplication else { return }
        let target = FloodTarget(vtep: tunnel.endpoint, vni: tunnel.vni)
        let id = ObjectIdentifier(entry)
        let previous = instance.floodSources[id]?.target
        guard previous != target else { return }
        instance.floodSources[id] = (entry, target)
        countFlood(target, by: 1, in: instance)
        if let previous { countFlood(previous, by: -1, in: instance) }
    }

    func removeFloodSource(_ entry: EVPNEntry, in instance: MACVRF) {
        guard let source = instance.floodSources.removeValue(forKey: ObjectIdentifier(entry)) else { return }
        countFlood(source.target, by: -1, in: instance)
    }

    private func countFlood(_ target: FloodTarget, by delta: Int, in instance: MACVRF) {
        let count = instance.floodCounts[target, default: 0] + delta
        instance.floodCounts[target] = count == 0 ? nil : count
        if delta > 0 && count == 1 {
            pendingIntents.append(.addFloodEntry(externalID: instance.externalID, vtep: target.vtep, vni: target.vni))
        } else if delta < 0 && count == 0 {
            pendingIntents.append(.removeFloodEntry(externalID: instance.externalID, vtep: target.vtep, vni: target.vni))
        }
    }
}
