import Dataplane
import NetAddress

/// Creating, adopting and deleting the devices of an instance; plugging ports.
extension LinuxVXLANDriver {
    /// Creates the bridge and vxlan device of `spec`, or adopts them if they exist already (ours
    /// by alias, or unmarked devices with exactly the derived names and the right kind and VNI).
    /// Running it again changes nothing. `snapshot`: a links dump to use instead of taking one
    /// (reconcile takes one for all instances; devices made since are in `instances`).
    func createInstance(_ spec: InstanceSpec, links snapshot: [LinkInfo]? = nil) throws {
        guard spec.vni < 1 << 24 else { throw LinuxDataplaneError.invalid("VNI \(spec.vni) out of range (24 bits, RFC 7348 §5)") }
        var all = try snapshot ?? links.links()
        let marker = Self.marker(spec.externalID)
        let claimed = Set(instances.values.filter { $0.externalID != spec.externalID }
            .flatMap { [$0.bridge.name, $0.vxlan.name] })

        let bridge: LinkInfo
        var createdBridge = false
        let ownsBridge = spec.existingBridge == nil
        if let existing = spec.existingBridge {
            bridge = try links.require(existing)
            guard bridge.kind == "bridge" else { throw LinuxDataplaneError.invalid("\(existing) is not a bridge") }
        } else if let ours = all.first(where: { $0.alias == marker && $0.kind == "bridge" }) {
            bridge = ours
        } else {
            bridge = try adoptOrCreate(prefix: configuration.naming.bridgePrefix, spec: spec, all: all, claimed: claimed,
                                       adoptable: { $0.kind == "bridge" }) { name in
                try links.createBridge(name: name, up: true)
                createdBridge = true
            }
        }
        if !bridge.isUp { try links.change(bridge.index, name: bridge.name, up: true) }

        var vxlan: LinkInfo
        if let ours = all.first(where: { $0.alias == marker && $0.kind == "vxlan" }), ours.vni == spec.vni {
            vxlan = ours
        } else {
            if let stale = all.first(where: { $0.alias == marker && $0.kind == "vxlan" }) {
                try links.delete(stale.index, name: stale.name)   // another VNI: the device cannot change it
                all = try links.links()
            }
            let mtu = try vxlanMTU(links: all)
            do {
                vxlan = try adoptOrCreate(prefix: configuration.naming.vxlanPrefix, spec: spec, all: all, claimed: claimed,
                                          adoptable: { $0.kind == "vxlan" && $0.vni == spec.vni }) { name in
                    try links.createVXLAN(name: name, vni: spec.vni, local: configuration.localAddress,
                                          port: configuration.vxlanPort, proxy: configuration.arpSuppression == .vxlanProxy, mtu: mtu,
                                          master: bridge.index)
                }
            } catch {
                if createdBridge { try? links.delete(bridge.index, name: bridge.name) }   // no half instance
                throw error
            }
        }
        if vxlan.master != bridge.index || !vxlan.isUp {
            try links.change(vxlan.index, name: vxlan.name, up: true, master: bridge.index)
            vxlan = try links.require(vxlan.name)
        }
        // Only on a bridge of ours: the neighbour entries on an existing bridge would mix with its owner's.
        let suppressesOnBridge = configuration.arpSuppression == .bridgePort && ownsBridge
        if suppressesOnBridge { try neighbours.setNeighbourSuppression(port: vxlan.index, enabled: true) }
        let previous = instances[spec.externalID]
        instances[spec.externalID] = InstanceDevices(
            externalID: spec.externalID, vni: spec.vni, bridge: Device(name: bridge.name, index: bridge.index),
            ownsBridge: ownsBridge, vxlan: Device(name: vxlan.name, index: vxlan.index),
            neighbourDevice: suppressesOnBridge ? Device(name: bridge.name, index: bridge.index)
                : Device(name: vxlan.name, index: vxlan.index),
            mtu: vxlan.mtu,
            remoteMACs: previous?.vxlan.index == vxlan.index ? previous!.remoteMACs : [:])
    }

    /// Finds the device for `spec` by name, marks an adoptable unmarked one as ours, or creates it
    /// under the first free name (`DeviceNaming`) and marks it.
    private func adoptOrCreate(prefix: String, spec: InstanceSpec, all: [LinkInfo], claimed: Set<String>,
                               adoptable: (LinkInfo) -> Bool, create: (String) throws -> Void) throws -> LinkInfo {
        let marker = Self.marker(spec.externalID)
        let byName = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let name = DeviceNaming.name(prefix: prefix, id: spec.externalID) { candidate in
            if claimed.contains(candidate) { return true }
            guard let existing = byName[candidate] else { return false }
            return !(adoptable(existing) && (existing.alias == nil || existing.alias == "" || existing.alias == marker))
        }
        if byName[name] == nil { try create(name) }
        let device = try links.require(name)
        try links.change(device.index, name: name, alias: marker)
        return device
    }

    /// The configured MTU, else the underlay's (the interface holding the local address) minus
    /// the VXLAN overhead, else 1450.
    func vxlanMTU(links all: [LinkInfo]) throws -> UInt32 {
        if let mtu = configuration.mtu { return mtu }
        guard let holder = try links.addresses().first(where: { $0.address == configuration.localAddress }),
              let underlay = all.first(where: { $0.index == holder.index }),
              underlay.mtu > configuration.encapsulationOverhead else { return LinuxVXLANConfiguration.fallbackMTU }
        return underlay.mtu - configuration.encapsulationOverhead
    }

    /// Deletes the instance's vxlan device (and with it every FDB and neighbour entry on it) and
    /// its bridge if the driver made it. An instance that is already gone is not an error.
    /// `snapshot`: a links dump to use instead of taking one.
    func deleteInstance(_ externalID: String, links snapshot: [LinkInfo]? = nil) throws {
        let marker = Self.marker(externalID)
        let ours = try (snapshot ?? links.links()).filter { $0.alias == marker }
        for link in ours.sorted(by: { ($0.kind == "vxlan" ? 0 : 1) < ($1.kind == "vxlan" ? 0 : 1) }) {
            try links.delete(link.index, name: link.name)
        }
        instances[externalID] = nil
        listener.unregister(externalID: externalID)
    }

    /// Enslaves `interface` to the instance's bridge (and sets it up); returns its ifindex.
    func plugPort(_ externalID: String, interface: String) throws -> Int32 {
        let devices = try devices(externalID)
        let port = try links.require(interface)
        if port.master != devices.bridge.index || !port.isUp {
            try links.change(port.index, name: interface, up: true, master: devices.bridge.index)
        }
        listener.register(index: port.index, port: .init(externalID: externalID, name: interface))
        return port.index
    }

    /// The port to detach, or nil if it no longer exists or is not on this instance's bridge
    /// (nothing to do: deleting an interface removes its FDB entries).
    func portToUnplug(_ externalID: String, interface: String) throws -> Device? {
        let devices = try devices(externalID)
        guard let port = try links.link(named: interface), port.master == devices.bridge.index else { return nil }
        return Device(name: port.name, index: port.index)
    }

    /// Detaches the port; the kernel flushes its FDB entries, and the MACs learned on it are
    /// reported gone (`LocalMACListener.unregister(index:)`).
    func releasePort(_ port: Device) throws {
        try links.change(port.index, name: port.name, master: 0)
        listener.unregister(index: port.index)
    }
}
