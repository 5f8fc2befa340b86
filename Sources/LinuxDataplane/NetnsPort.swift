import Foundation
import NetAddress

/// A port into a network namespace, as `bagpipe-rest-attach --port netns` makes it
/// (BaGPipe `create_special_netns_port`): a veth pair (`VethPair`), `ns-<netns>` outside (MTU 9000,
/// up, to be plugged into an instance bridge) and `tovpn` inside (MTU 1420) with a MAC, an address
/// and a default route via the gateway.
public struct NetnsPort: Hashable, Sendable {
    /// The namespace file of the inside end.
    public var namespacePath: String
    public var outsideInterface: String
    public var insideInterface: String
    /// The MAC of the inside interface (the one to advertise).
    public var mac: MACAddress

    /// BaGPipe's outside name: `ns-<netns>` cut to 15 characters.
    public static func outsideName(namespace: String) -> String {
        String(("ns-" + namespace).prefix(DeviceNaming.maximumLength))
    }

    /// Creates the named namespace if missing, then the port (below).
    public static func create(namespace: String, outsideInterface: String? = nil, insideInterface: String = "tovpn",
                              mac: MACAddress? = nil, address: IPPrefix, gateway: IPAddress?,
                              outsideMTU: UInt32 = 9000, insideMTU: UInt32 = 1420,
                              networkNamespacePath: String? = nil) throws -> NetnsPort {
        try NetworkNamespace.create(namespace)
        return try create(namespacePath: NetworkNamespace.path(of: namespace),
                          outsideInterface: outsideInterface ?? outsideName(namespace: namespace),
                          insideInterface: insideInterface, mac: mac, address: address, gateway: gateway,
                          outsideMTU: outsideMTU, insideMTU: insideMTU, networkNamespacePath: networkNamespacePath)
    }

    /// (Re)creates the veth pair into the existing namespace at `namespacePath` (a named one, or a
    /// running container's `/proc/PID/ns/net`): an existing outside interface of that name, and an
    /// existing inside one, are deleted first (BaGPipe does the same).
    ///
    /// - Parameters:
    ///   - mac: set on the inside interface; nil keeps the kernel's random one (returned in `mac`).
    ///   - address: the inside interface's address and prefix length, e.g. 203.0.113.10/24.
    ///   - gateway: the default route's next hop (nil: no route).
    ///   - networkNamespacePath: where the outside end lives (nil: the caller's namespace).
    public static func create(namespacePath: String, outsideInterface: String, insideInterface: String = "tovpn",
                              mac: MACAddress? = nil, address: IPPrefix, gateway: IPAddress?,
                              outsideMTU: UInt32 = 9000, insideMTU: UInt32 = 1420,
                              networkNamespacePath: String? = nil) throws -> NetnsPort {
        try VethPair.deleteInterface(named: insideInterface, namespacePath: namespacePath)
        let defaultRoute = gateway.map { gateway in
            ContainerRoute(destination: IPPrefix(address: gateway.isIPv4 ? .v4(.any) : .v6(IPv6Address(high: 0, low: 0)), length: 0)!,
                           gateway: gateway)
        }
        let pair = try VethPair.create(VethPairSpec(
            hostName: outsideInterface, hostMTU: outsideMTU, containerNamespacePath: namespacePath,
            containerName: insideInterface, containerMTU: insideMTU, containerMAC: mac, addresses: [address],
            routes: defaultRoute.map { [$0] } ?? []), hostNamespacePath: networkNamespacePath)
        guard let actual = pair.container.mac else { throw LinuxDataplaneError.invalid("\(insideInterface) has no MAC address") }
        return NetnsPort(namespacePath: namespacePath, outsideInterface: outsideInterface, insideInterface: insideInterface,
                         mac: actual)
    }

    /// The MAC of `insideInterface` in the namespace at `namespacePath` (for a detach without a MAC).
    public static func insideMAC(namespacePath: String, insideInterface: String = "tovpn") throws -> MACAddress {
        guard let mac = try VethPair.interface(named: insideInterface, namespacePath: namespacePath)?.mac else {
            throw LinuxDataplaneError.noSuchInterface(insideInterface)
        }
        return mac
    }

    /// Deletes the veth pair (deleting the outside end removes both); missing is not an error. The
    /// namespace itself stays.
    public static func remove(namespace: String, outsideInterface: String? = nil, networkNamespacePath: String? = nil) throws {
        try VethPair.deleteInterface(named: outsideInterface ?? outsideName(namespace: namespace), namespacePath: networkNamespacePath)
    }
}
