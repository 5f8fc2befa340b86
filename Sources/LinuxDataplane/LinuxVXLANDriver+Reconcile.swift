import CMnl
import Dataplane
import NetAddress

/// Start-up reconciliation and cleanup, both driven by the `swift-bagpipe:<id>` alias marker.
extension LinuxVXLANDriver {
    /// Adopts the devices a previous run left for the wanted instances (with their FDB entries and
    /// plugged ports, so traffic keeps flowing) and deletes our devices of any other instance.
    /// Then reports the MACs already learned on the adopted ports (`onLocalMAC`, "appeared"): the
    /// kernel only sends events on change. Dumps the links and the FDB once, not per instance.
    public func reconcile(wanted: [InstanceSpec]) -> [DataplaneFailure] {
        var failures: [DataplaneFailure] = []
        let wantedIDs = Set(wanted.map(\.externalID))
        var all: [LinkInfo]
        do {
            all = try links.links()
            let unwanted = Set(Self.ours(all).compactMap(\.externalID)).subtracting(wantedIDs)
            for id in unwanted {
                do { try deleteInstance(id, links: all) } catch {
                    failures.append(DataplaneFailure(intent: .deleteInstance(externalID: id), reason: "\(error)"))
                }
            }
            if !unwanted.isEmpty { all = try links.links() }
        } catch {
            return failures + [DataplaneFailure(intent: .deleteInstance(externalID: "*"), reason: "\(error)")]
        }
        var fdb: [Int32: [NeighbourEntry]]?
        for spec in wanted {
            do {
                try createInstance(spec, links: all)
                if fdb == nil { fdb = Dictionary(grouping: try neighbours.dump(family: UInt8(AF_BRIDGE)), by: \.interfaceIndex) }
                recoverState(spec.externalID, links: all, fdb: fdb ?? [:])
            } catch {
                failures.append(DataplaneFailure(intent: .createInstance(spec), reason: "\(error)"))
            }
        }
        listener.resynchronise()
        return failures
    }

    /// Our instances whose devices exist in the kernel (found by their alias marker).
    public func instancesLeftByPreviousRun() -> Set<String> {
        guard let all = try? links.links() else { return [] }
        return Set(Self.ours(all).compactMap(\.externalID))
    }

    /// Re-learns plugged ports (bridge members other than the vxlan device) and remote MACs (the
    /// vxlan device's unicast entries) of an adopted instance, from dumps taken before.
    private func recoverState(_ externalID: String, links all: [LinkInfo], fdb: [Int32: [NeighbourEntry]]) {
        guard var devices = instances[externalID] else { return }
        for port in all where port.master == devices.bridge.index && port.index != devices.vxlan.index {
            listener.register(index: port.index, port: .init(externalID: externalID, name: port.name))
        }
        for entry in fdb[devices.vxlan.index] ?? [] where entry.flags & UInt8(NTF_SELF) != 0 {
            if let mac = entry.linkAddress, mac != .zero, let vtep = entry.destination { devices.remoteMACs[mac] = vtep }
        }
        instances[externalID] = devices
    }

    public func removeStaleEntries(externalID: String, keeping wanted: [DataplaneIntent]) -> [DataplaneFailure] {
        guard let devices = instances[externalID] else { return [] }
        var wantedFlood = Set<Pair<IPAddress, UInt32>>(), wantedMACs = Set<Pair<MACAddress, IPAddress>>()
        var wantedNeighbours = Set<Pair<IPAddress, MACAddress>>()
        for intent in wanted {
            switch intent {
            case .addFloodEntry(_, let vtep, let vni): wantedFlood.insert(Pair(vtep, vni))
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
                    if !wantedFlood.contains(Pair(vtep, vni)) { stale.append(.removeFloodEntry(externalID: externalID, vtep: vtep, vni: vni)) }
                } else if !wantedMACs.contains(Pair(mac, vtep)) {
                    stale.append(.removeRemoteMAC(externalID: externalID, mac: mac, vtep: vtep, vni: vni))
                }
            }
            for family in [UInt8(AF_INET), UInt8(AF_INET6)] {
                for entry in try entries(on: devices.neighbourDevice.index, family: family) where entry.state & UInt16(NUD_PERMANENT) != 0 {
                    guard let ip = entry.destination, let mac = entry.linkAddress, !wantedNeighbours.contains(Pair(ip, mac)) else { continue }
                    stale.append(.removeNeighbour(externalID: externalID, ip: ip, mac: mac))
                }
            }
        } catch {
            return [DataplaneFailure(intent: .deleteInstance(externalID: externalID), reason: "reading entries: \(error)")]
        }
        return apply(stale)
    }

    /// The entries on one device, filtered by the kernel (no whole-table dump per instance).
    private func entries(on interfaceIndex: Int32, family: UInt8) throws -> [NeighbourEntry] {
        try neighbours.dump(family: family, interfaceIndex: interfaceIndex)
    }

    /// Deletes every device that carries our marker (vxlan devices first), and nothing else.
    public func removeAll() -> [DataplaneFailure] {
        var failures: [DataplaneFailure] = []
        do {
            for link in Self.ours(try links.links()).sorted(by: { ($0.info.kind == "vxlan" ? 0 : 1) < ($1.info.kind == "vxlan" ? 0 : 1) }) {
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

    /// The links that carry our marker, with the instance id it names.
    private static func ours(_ all: [LinkInfo]) -> [(info: LinkInfo, externalID: String?)] {
        all.compactMap { link in
            guard let alias = link.alias, alias.hasPrefix(Self.aliasPrefix) else { return nil }
            return (link, String(alias.dropFirst(aliasPrefix.count)))
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
