import BGPWire
import Dataplane
import NetAddress

/// MAC-VRF lifecycle: created by the first attach, deleted by the last detach; route-target changes.
extension EVPNRouter {
    /// The VNI of the instance with this external id (nil if there is none), without building a
    /// looking-glass snapshot: one dictionary lookup.
    public func vni(of externalID: String) -> UInt32? {
        instances[externalID]?.vni
    }

    func createInstance(for request: AttachRequest, importTargets: Set<RouteTarget>,
                        exportTargets: [RouteTarget]) throws -> MACVRF {
        let vni: UInt32
        if request.vni != 0 {
            guard instancesByVNI[request.vni] == nil, vniAllocator.reserve(request.vni) else {
                throw EVPNError.duplicateVNI(request.vni)
            }
            vni = request.vni
        } else {
            guard let allocated = vniAllocator.allocate() else { throw EVPNError.identifiersExhausted("VNI") }
            vni = allocated
        }
        var rdNumber: UInt32?
        let routeDistinguisher: RouteDistinguisher
        if let given = request.routeDistinguisher {
            routeDistinguisher = given
        } else if let number = rdAllocator.allocate() {
            rdNumber = number
            routeDistinguisher = .ipv4(routeDistinguisherAdministrator, UInt16(number))
        } else {
            vniAllocator.release(vni)
            throw EVPNError.identifiersExhausted("route distinguisher")
        }

        let instance = MACVRF(externalID: request.instanceID, vni: vni, isVNIPinned: request.vni != 0,
                              routeDistinguisher: routeDistinguisher, allocatedRDNumber: rdNumber,
                              linuxBridge: request.linuxBridge, importRouteTargets: [], exportRouteTargets: exportTargets)
        instances[instance.externalID] = instance
        instancesByVNI[vni] = instance
        pendingIntents.append(.createInstance(InstanceSpec(externalID: instance.externalID, vni: vni,
                                                           existingBridge: request.linuxBridge)))
        logger.info("EVPN instance \(instance.externalID) created: VNI \(vni), RD \(routeDistinguisher)")
        syncInclusiveMulticast(of: instance)
        changeImportTargets(of: instance, to: importTargets)
        return instance
    }

    /// Withdraws everything the instance originated and forgets it; the dataplane removes its
    /// devices with every entry on them.
    func deleteInstance(_ instance: MACVRF) {
        for mac in Array(instance.localMACs.keys) {
            instance.localMACs[mac]!.endpoints = [:]
            syncLocalRoutes(of: mac, in: instance)
        }
        instance.removeAllLocalMACs()
        originate(instance.inclusiveMulticastKey(originator: configuration.bgpLocalAddress), nil)
        for target in instance.importRouteTargets {
            importers[target]?.removeAll { $0 === instance }
            if importers[target]?.isEmpty == true { importers[target] = nil }
            removeLocalMembership(target)
        }
        instances[instance.externalID] = nil
        instancesByVNI[instance.vni] = nil
        vniAllocator.release(instance.vni)
        if let number = instance.allocatedRDNumber { rdAllocator.release(number) }
        pendingIntents.append(.deleteInstance(externalID: instance.externalID))
        logger.info("EVPN instance \(instance.externalID) deleted")
    }

    /// Sets the instance's import targets: updates the route-target index and our memberships,
    /// then imports what now matches and drops what no longer does (one scan of the RIB).
    func changeImportTargets(of instance: MACVRF, to targets: Set<RouteTarget>) {
        let old = instance.importRouteTargets
        guard targets != old else { return }
        instance.importRouteTargets = targets
        for target in old.subtracting(targets) {
            importers[target]?.removeAll { $0 === instance }
            if importers[target]?.isEmpty == true { importers[target] = nil }
            removeLocalMembership(target)
        }
        for target in targets.subtracting(old) {
            importers[target, default: []].append(instance)
            addLocalMembership(target)
        }
        // Imports can change our own routes (MAC mobility), so iterate over a snapshot.
        for entry in evpnTable.entries {
            guard let best = entry.paths.best, importObstacle(best, key: entry.key) == nil else { continue }
            let was = best.attributes.carriesAnyRouteTarget(of: old)
            let now = best.attributes.carriesAnyRouteTarget(of: targets)
            if now && !was {
                addImport(of: entry, to: instance)
            } else if was && !now {
                withdrawImport(of: entry, from: instance)
            }
        }
    }

    /// Sets the instance's export targets and re-advertises its routes with them.
    func changeExportTargets(of instance: MACVRF, to targets: [RouteTarget]) {
        guard targets != instance.exportRouteTargets else { return }
        instance.exportRouteTargets = targets
        syncInclusiveMulticast(of: instance)
        for mac in instance.localMACs.keys { syncLocalRoutes(of: mac, in: instance) }
    }
}
