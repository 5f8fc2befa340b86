import BGPWire
import Dataplane
import NetAddress

/// The local side: BaGPipe's attach/detach semantics (bagpipe.md §3) and locally learned MACs.
extension EVPNRouter {
    /// Plugs an endpoint into an EVPN instance, creating the instance on first use.
    ///
    /// - An identical re-attach only refreshes the route (new `local_pref`/description apply) and
    ///   emits no dataplane intent.
    /// - Other route targets than the instance's replace them: imports and advertisements follow.
    /// - An IP attach replaces the MAC's MAC-only endpoint (BaGPipe's wildcard).
    /// - A MAC already present remotely is advertised with the next MAC mobility sequence number
    ///   (at least `restoredSequence`); unless restored, remote claims that arrive with the first
    ///   routes of targets it is the first here to import are gone above too (`EVPNRouter+Mobility`).
    public func attach(_ request: AttachRequest) throws {
        defer { flush() }
        guard request.vni <= 0xFF_FFFF else { throw EVPNError.vniOutOfRange(request.vni) }
        if request.advertiseSubnet, let prefix = request.ip, prefix.length != prefix.address.bitLength {
            throw EVPNError.subnetAdvertisementUnsupported(prefix)
        }
        let importTargets = Set(request.importRouteTargets.map(\.normalized))
        let exportTargets = Array(Set(request.exportRouteTargets.map(\.normalized))).sorted()

        // Routes of targets we announce no membership for yet arrive only after we do (RFC 4684).
        let awaitsRoutes = request.restoredSequence == nil && importTargets.contains { localMemberships[$0] == nil }
        let instance: MACVRF
        if let existing = instances[request.instanceID] {
            try checkConsistency(of: request, in: existing)
            instance = existing
            changeImportTargets(of: instance, to: importTargets)
            changeExportTargets(of: instance, to: exportTargets)
        } else {
            instance = try createInstance(for: request, importTargets: importTargets, exportTargets: exportTargets)
        }
        instance.description = request.instanceDescription
        if awaitsRoutes { openCatchUpWindow(for: instance) }
        plug(request, into: instance)
    }

    /// BaGPipe's checks: a MAC stays on one port; an IP belongs to one MAC.
    private func checkConsistency(of request: AttachRequest, in instance: MACVRF) throws {
        if let local = instance.localMACs[request.mac], !local.isLearned, local.interface != request.localPort {
            throw EVPNError.macOnAnotherPort(mac: request.mac, previousPort: local.interface, newPort: request.localPort)
        }
        if let prefix = request.ip, let macs = instance.ipToMACs[prefix], !macs.contains(request.mac) {
            throw EVPNError.ipBoundToAnotherMAC(ip: prefix, mac: request.mac, boundMACs: Array(macs))
        }
    }

    private func plug(_ request: AttachRequest, into instance: MACVRF) {
        let mac = request.mac
        if let learned = instance.localMACs[mac], learned.isLearned {
            // An attach takes over a learned MAC (keeping its sequence and advertised routes).
            instance.localMACs[mac]!.isLearned = false
            instance.moveLocalMAC(mac, to: request.localPort)
            instance.localMACs[mac]!.endpoints = [:]
            pendingIntents.append(.plugPort(externalID: instance.externalID, interface: request.localPort, mac: mac))
            setSequence(max(learned.sequence, request.restoredSequence ?? 0), of: mac, in: instance)
        } else if let local = instance.localMACs[mac] {
            if let restored = request.restoredSequence, restored > local.sequence { setSequence(restored, of: mac, in: instance) }
        } else {
            let sequence = max(freshSequence(for: mac, in: instance), request.restoredSequence ?? 0)
            instance.insertLocalMAC(mac, LocalMAC(interface: request.localPort, endpoints: [:], isLearned: false,
                                                  sequence: sequence))
            reportSequence(of: mac, in: instance)
            pendingIntents.append(.plugPort(externalID: instance.externalID, interface: request.localPort, mac: mac))
        }
        let isNewEndpoint = instance.localMACs[mac]!.endpoints[request.ip] == nil
        instance.localMACs[mac]!.endpoints[request.ip] = LocalEndpoint(localPreference: request.localPreference,
                                                                       description: request.description)
        if let prefix = request.ip {
            instance.localMACs[mac]!.endpoints[nil] = nil
            if isNewEndpoint {
                instance.ipToMACs[prefix, default: []].insert(mac)
                instance.localAddressCounts[prefix.address, default: 0] += 1
            }
        }
        resolveMAC(mac, in: instance)
        syncLocalRoutes(of: mac, in: instance)
        if let prefix = request.ip, isNewEndpoint { resolveNeighbour(prefix.address, in: instance) }
    }

    /// Unplugs an endpoint, or with `ip` nil every endpoint of the MAC (an unknown MAC is then
    /// silently accepted, as BaGPipe does). The last endpoint of the instance deletes it.
    public func detach(_ request: DetachRequest) throws {
        defer { flush() }
        guard let instance = instances[request.instanceID] else { throw EVPNError.vpnNotFound(request.instanceID) }
        let mac = request.mac
        guard let local = instance.localMACs[mac], !local.isLearned else {
            if request.ip == nil { return }
            throw EVPNError.endpointNotPlugged(mac: mac, ip: request.ip)
        }
        let removed: [IPPrefix?]
        if let prefix = request.ip {
            guard let macs = instance.ipToMACs[prefix], macs.contains(mac) else {
                throw EVPNError.ipBoundToAnotherMAC(ip: prefix, mac: mac, boundMACs: Array(instance.ipToMACs[prefix] ?? []))
            }
            removed = [prefix]
        } else {
            removed = Array(local.endpoints.keys)
        }
        for endpoint in removed {
            instance.localMACs[mac]!.endpoints[endpoint] = nil
            guard let prefix = endpoint else { continue }
            instance.ipToMACs[prefix]?.remove(mac)
            if instance.ipToMACs[prefix]?.isEmpty == true { instance.ipToMACs[prefix] = nil }
            let count = instance.localAddressCounts[prefix.address, default: 1] - 1
            instance.localAddressCounts[prefix.address] = count == 0 ? nil : count
        }
        syncLocalRoutes(of: mac, in: instance)
        if instance.localMACs[mac]!.endpoints.isEmpty {
            instance.removeLocalMAC(mac)
            release(local.interface, leftBy: mac, in: instance)
        }
        if !instance.hasAttachedEndpoints {
            deleteInstance(instance)
            return
        }
        resolveMAC(mac, in: instance)
        for case let prefix? in removed { resolveNeighbour(prefix.address, in: instance) }
    }

    /// `mac`, the last endpoint of which was detached, left `interface`. While another attached MAC
    /// of the instance uses the port it stays plugged, and so does `mac`'s pin on it: the
    /// dataplane intents cannot drop one pin alone; unplugging the port later drops it. Otherwise
    /// the port is unplugged and the MACs learned behind it are forgotten (routes withdrawn).
    private func release(_ interface: String, leftBy mac: MACAddress, in instance: MACVRF) {
        guard !instance.hasAttachedMAC(on: interface) else { return }
        pendingIntents.append(.unplugPort(externalID: instance.externalID, interface: interface, mac: mac))
        for learned in instance.macsByPort[interface] ?? [] { forgetLearnedMAC(learned, in: instance) }
        instance.learningBuckets[interface] = nil
    }

    /// A MAC learned (or forgotten) by the dataplane on a port of an instance. An attached MAC seen
    /// again here after it moved away takes the next sequence number, so the move back wins
    /// (RFC 7432 §15.1). Any other MAC is advertised as a MAC-only route while present only with
    /// `configuration.learnedMACs` (bounded per port), and never against an attached one.
    public func handle(_ event: LocalMACEvent) {
        defer { flush() }
        guard let instance = instances[event.externalID] else { return }
        let mac = event.mac
        if event.appeared {
            if instance.localMACs[mac] == nil, !admitLearnedMAC(mac, on: event.interface, in: instance) { return }
            if let local = instance.localMACs[mac] {
                // A learned MAC that moved between ports of this instance keeps its routes: the
                // VTEP is the same (RFC 7432 §15 mobility is between VTEPs). Its "gone" from the
                // old port, if it comes later, is then ignored.
                if local.isLearned { instance.moveLocalMAC(mac, to: event.interface) }
                guard !local.isWinning, !local.isDuplicate else { return }
                setSequence(max(local.sequence, freshSequence(for: mac, in: instance)), of: mac, in: instance)
            } else {
                instance.insertLocalMAC(mac, LocalMAC(interface: event.interface, endpoints: [nil: LocalEndpoint()],
                                                      isLearned: true, sequence: freshSequence(for: mac, in: instance)))
            }
            resolveMAC(mac, in: instance)
            syncLocalRoutes(of: mac, in: instance)
        } else if let local = instance.localMACs[mac], local.isLearned, local.interface == event.interface {
            forgetLearnedMAC(mac, in: instance)
        }
    }

    /// Whether a newly learned MAC on `port` may be advertised: learning on, fewer than the
    /// per-port bound, and within the per-port rate (a token bucket refilled `perSecond` a second).
    private func admitLearnedMAC(_ mac: MACAddress, on port: String, in instance: MACVRF) -> Bool {
        guard let policy = configuration.learnedMACs else {
            logger.debug("MAC \(mac) learned on \(port) of instance \(instance.externalID): not advertised (learning is off)")
            return false
        }
        let learnedHere = instance.macsByPort[port]?.count { instance.localMACs[$0]?.isLearned == true } ?? 0
        let time = now()
        var bucket = instance.learningBuckets[port] ?? (tokens: Double(policy.perSecond), time: time)
        bucket.tokens = min(Double(policy.perSecond), bucket.tokens + (time - bucket.time) * Double(policy.perSecond))
        bucket.time = time
        defer { instance.learningBuckets[port] = bucket }
        guard learnedHere < policy.perPort, bucket.tokens >= 1 else {
            instance.ignoredLearnedMACs += 1
            if instance.ignoredLearnedMACs == 1 || instance.ignoredLearnedMACs.isMultiple(of: 1000) {
                let bound = learnedHere >= policy.perPort ? "\(policy.perPort) per port" : "\(policy.perSecond) new per second"
                warn("instance \(instance.externalID): learned MACs on \(port) beyond \(bound) ignored "
                     + "(\(instance.ignoredLearnedMACs) so far)")
            }
            return false
        }
        bucket.tokens -= 1
        return true
    }

    /// Withdraws the routes of a learned MAC and forgets it; a remote claim on it may then apply.
    private func forgetLearnedMAC(_ mac: MACAddress, in instance: MACVRF) {
        instance.localMACs[mac]!.endpoints = [:]
        syncLocalRoutes(of: mac, in: instance)
        instance.removeLocalMAC(mac)
        resolveMAC(mac, in: instance)
    }
}
