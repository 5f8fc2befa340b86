import Foundation
import NetAddress

/// A route to install in a container: to `destination`, through `gateway` (nil: on the link).
public struct ContainerRoute: Hashable, Sendable {
    public var destination: IPPrefix
    public var gateway: IPAddress?

    public init(destination: IPPrefix, gateway: IPAddress?) {
        self.destination = destination
        self.gateway = gateway
    }
}

/// What a veth pair between a host and a container namespace should look like.
public struct VethPairSpec: Hashable, Sendable {
    /// The end that stays on the host (to be plugged into an instance bridge by the daemon).
    public var hostName: String
    public var hostMTU: UInt32
    /// The container's network namespace file: `/var/run/netns/NAME`, `/proc/PID/ns/net`, ...
    public var containerNamespacePath: String
    public var containerName: String
    public var containerMTU: UInt32
    /// nil keeps the kernel's random MAC.
    public var containerMAC: MACAddress?
    /// Addresses of the container end, with their prefix lengths (203.0.113.10/24).
    public var addresses: [IPPrefix]
    public var routes: [ContainerRoute]

    public init(hostName: String, hostMTU: UInt32, containerNamespacePath: String, containerName: String,
                containerMTU: UInt32, containerMAC: MACAddress? = nil, addresses: [IPPrefix], routes: [ContainerRoute]) {
        self.hostName = hostName
        self.hostMTU = hostMTU
        self.containerNamespacePath = containerNamespacePath
        self.containerName = containerName
        self.containerMTU = containerMTU
        self.containerMAC = containerMAC
        self.addresses = addresses
        self.routes = routes
    }
}

/// One network interface as the kernel reports it.
public struct InterfaceState: Hashable, Sendable {
    public var name: String
    public var index: Int32
    public var mac: MACAddress?
    public var mtu: UInt32
    public var isUp: Bool
    /// The ifindex of the bridge the interface is a port of, or nil.
    public var master: Int32?
    public var addresses: [IPPrefix]
}

/// The two ends of a veth pair made by `VethPair.create`.
public struct VethPair: Hashable, Sendable {
    public var host: InterfaceState
    public var container: InterfaceState

    /// Creates the pair over netlink: the host end (up, `hostMTU`) in `hostNamespacePath` (nil: the
    /// caller's namespace), the container end moved into the container's namespace, named, given its
    /// MTU, MAC, addresses and routes, and brought up. A host end of the same name left by an earlier
    /// run is replaced; a container end of that name already there is an error. If any step fails,
    /// the pair is deleted again before the error is thrown: nothing is left half made.
    public static func create(_ spec: VethPairSpec, hostNamespacePath: String? = nil) throws -> VethPair {
        let containerFD = open(spec.containerNamespacePath, O_RDONLY | O_CLOEXEC)
        guard containerFD >= 0 else {
            throw LinuxDataplaneError.system(operation: "open \(spec.containerNamespacePath)", errno: errno)
        }
        defer { close(containerFD) }
        try NetworkNamespace.perform(in: hostNamespacePath) {
            let host = try LinkSocket()
            if let stale = try host.link(named: spec.hostName) { try host.delete(stale.index, name: spec.hostName) }
            try host.createVeth(name: spec.hostName, mtu: spec.hostMTU, peer: spec.containerName, peerNamespace: containerFD)
        }
        do {
            let container = try NetworkNamespace.perform(in: spec.containerNamespacePath) { try configureContainerEnd(spec) }
            guard let host = try interface(named: spec.hostName, namespacePath: hostNamespacePath) else {
                throw LinuxDataplaneError.noSuchInterface(spec.hostName)
            }
            return VethPair(host: host, container: container)
        } catch {
            _ = try? deleteInterface(named: spec.hostName, namespacePath: hostNamespacePath)
            throw error
        }
    }

    private static func configureContainerEnd(_ spec: VethPairSpec) throws -> InterfaceState {
        let socket = try LinkSocket()
        let name = spec.containerName
        let link = try socket.require(name)
        try socket.change(link.index, name: name, up: true, mtu: spec.containerMTU, address: spec.containerMAC)
        for address in spec.addresses { try socket.addAddress(address, index: link.index, name: name) }
        for route in spec.routes {
            try socket.replaceRoute(to: route.destination, via: route.gateway, index: link.index, name: name)
        }
        guard let state = try state(of: name, socket: socket) else { throw LinuxDataplaneError.noSuchInterface(name) }
        return state
    }

    /// Deletes the interface `name` in the namespace at `namespacePath` (nil: the caller's); for either
    /// end of a veth pair, the whole pair goes. Returns false when there was no such interface, which
    /// is not an error.
    @discardableResult
    public static func deleteInterface(named name: String, namespacePath: String? = nil) throws -> Bool {
        try NetworkNamespace.perform(in: namespacePath) {
            let socket = try LinkSocket()
            guard let link = try socket.link(named: name) else { return false }
            try socket.delete(link.index, name: name)
            return true
        }
    }

    /// The interface `name` in the namespace at `namespacePath` (nil: the caller's), or nil if absent.
    public static func interface(named name: String, namespacePath: String? = nil) throws -> InterfaceState? {
        try NetworkNamespace.perform(in: namespacePath) { try state(of: name, socket: LinkSocket()) }
    }

    private static func state(of name: String, socket: LinkSocket) throws -> InterfaceState? {
        guard let link = try socket.link(named: name) else { return nil }
        let addresses = try socket.addresses().filter { $0.index == link.index }
            .compactMap { IPPrefix(address: $0.address, length: $0.prefixLength) }
        return InterfaceState(name: link.name, index: link.index, mac: link.address, mtu: link.mtu, isUp: link.isUp,
                              master: link.master == 0 ? nil : link.master, addresses: addresses)
    }
}
