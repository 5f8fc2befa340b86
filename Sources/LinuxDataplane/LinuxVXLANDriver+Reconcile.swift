import CMnl
import Dataplane
import NetAddress

/// Start-up reconciliation and cleanup, both driven by the `swift-bagpipe:<id>` alias marker.
extension LinuxVXLANDriver {
    /// Adopts the devices a previous run left for the wanted instances (with their FDB entries and
    /// plugged ports, so traffic keeps flowing) and deletes our devices of any other instance.
    public func reconcile(wanted: [InstanceSpec]) -> [DataplaneFailure] {
        var failures: [DataplaneFailure] = []
        let wantedIDs = Set(wanted.map(\.externalID))
        do {
            for id in Set(try ourLinks().compactMap(\.externalID)) where !wantedIDs.contains(id) {
                do { try deleteInstance(id) } catch {
                    failures.append(DataplaneFailure(intent: .deleteInstance(externalID: id), reason: "\(error)"))
                }
            }
        } catch {
            return [DataplaneFailure(intent: .deleteInstance(externalID: "*"), reason: "\(error)")]
        }
        for spec in wanted {
            do {
                try createInstance(spec)
                try recoverState(spec.externalID)
            } catch {
                failures.append(DataplaneFailure(intent: .createInstance(spec), reason: "\(error)"))
            }
        }
        return failures
    }

    /// Re-learns plugged ports (bridge members other than the vxlan device) and remote MACs (the
    /// vxlan device's unicast entries) of an adopted instance.
    private func recoverState(_ externalID: String) throws {
        guard var devices = instances[externalID] else { return }
        for port in try links.links() where port.master == devices.bridge.index && port.index != devices.vxlan.index {
            listener.register(index: port.index, port: .init(externalID: externalID, name: port.name))
        }
        for entry in try neighbours.dump(family: UInt8(AF_BRIDGE))
        where entry.interfaceIndex == devices.vxlan.index && entry.flags & UInt8(NTF_SELF) != 0 {
            if let mac = entry.linkAddress, mac != .zero, let vtep = entry.destination { devices.remoteMACs[mac] = vtep }
        }
        instances[externalID] = devices
    }

    public func removeStaleEntries(externalID: String, keeping wanted: [DataplaneIntent]) -> [DataplaneFailure] {
        guard let devices = instances[externalID] else { return [] }
        var wantedFlood = Set<IPAddress>(), wantedMACs = Set<Pair<MACAddress, IPAddress>>()
        var wantedNeighbours = Set<Pair<IPAddress, MACAddress>>()
        for intent in wanted {
            switch intent {
            case .addFloodEntry(_, let vtep, _): wantedFlood.insert(vtep)
            case .setRemoteMAC(_, let mac, let vtep, _): wantedMACs.insert(Pair(mac, vtep))
            case .setNeighbour(_, let ip, let mac): wantedNeighbours.insert(Pair(ip, mac))
            default: break
            }
        }
        var stale: [DataplaneIntent] = []
        do {
            for entry in try entries(on: devices.vxlan.index, family: UInt8(AF_BRIDGE)) where entry.flags & UInt8(NTF_SELF) != 0 {
                guard let mac = entry.linkAddress, let vtep = entry.destination else { continue }
                let vni = entry.vni ?? devices.vni
                if mac == .zero {
                    if !wantedFlood.contains(vtep) { stale.append(.removeFloodEntry(externalID: externalID, vtep: vtep, vni: vni)) }
                } else if !wantedMACs.contains(Pair(mac, vtep)) {
                    stale.append(.removeRemoteMAC(externalID: externalID, mac: mac, vtep: vtep, vni: vni))
                }
            }
            for family in [UInt8(AF_INET), UInt8(AF_INET6)] {
                for entry in try entries(on: devices.vxlan.index, family: family) where entry.state & UInt16(NUD_PERMANENT) != 0 {
                    guard let ip = entry.destination, let mac = entry.linkAddress, !wantedNeighbours.contains(Pair(ip, mac)) else { continue }
                    stale.append(.removeNeighbour(externalID: externalID, ip: ip, mac: mac))
                }
            }
        } catch {
            return [DataplaneFailure(intent: .deleteInstance(externalID: externalID), reason: "reading entries: \(error)")]
        }
        return apply(stale)
    }

    private func entries(on interfaceIndex: Int32, family: UInt8) throws -> [NeighbourEntry] {
        try neighbours.dump(family: family).filter { $0.interfaceIndex == interfaceIndex }
    }

    /// Deletes every device that carries our marker (vxlan devices first), and nothing else.
    public func removeAll() -> [DataplaneFailure] {
        var failures: [DataplaneFailure] = []
        do {
            for link in try ourLinks().sorted(by: { ($0.info.kind == "vxlan" ? 0 : 1) < ($1.info.kind == "vxlan" ? 0 : 1) }) {
                do { try links.delete(link.info.index, name: link.info.name) } catch {
                    failures.append(DataplaneFailure(intent: .deleteInstance(externalID: link.externalID ?? ""),
                                                     reason: "\(error)"))
                }
            }
        } catch {
            failures.append(DataplaneFailure(intent: .deleteInstance(externalID: "*"), reason: "\(error)"))
        }
        instances.removeAll()
        listener.unregisterAll()
        return failures
    }

    private func ourLinks() throws -> [(info: LinkInfo, externalID: String?)] {
        try links.links().compactMap { link in
            guard let alias = link.alias, alias.hasPrefix(Self.aliasPrefix) else { return nil }
            return (link, String(alias.dropFirst(Self.aliasPrefix.count)))
        }
    }
}

/// Two values as one set element.
private struct Pair<First: Hashable, Second: Hashable>: Hashable {
    let first: First
    let second: Second
    init(_ first: First, _ second: Second) {
        self.first = first
        self.second = second
    }
}
