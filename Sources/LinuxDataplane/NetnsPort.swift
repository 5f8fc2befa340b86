import Foundation
import NetAddress

/// A port into a named network namespace, as `bagpipe-rest-attach --port netns` makes it
/// (BaGPipe `create_special_netns_port`): a veth pair, `ns-<netns>` outside (MTU 9000, up, to be
/// plugged into an instance bridge) and `tovpn` inside (MTU 1420) with a MAC, an address and a
/// default route via the gateway.
public struct NetnsPort: Hashable, Sendable {
    public var namespace: String
    public var outsideInterface: String
    public var insideInterface: String
    /// The MAC of the inside interface (the one to advertise).
    public var mac: MACAddress

    /// BaGPipe's outside name: `ns-<netns>` cut to 15 characters.
    public static func outsideName(namespace: String) -> String {
        String(("ns-" + namespace).prefix(DeviceNaming.maximumLength))
    }

    /// Creates the namespace if missing and (re)creates the veth pair: an existing outside
    /// interface of that name, and an existing inside one, are deleted first (BaGPipe does the same).
    ///
    /// - Parameters:
    ///   - mac: set on the inside interface; nil keeps the kernel's random one (returned in `mac`).
    ///   - address: the inside interface's address and prefix length, e.g. 203.0.113.10/24.
    ///   - gateway: the default route's next hop (nil: no route).
    ///   - networkNamespacePath: where the outside end lives (nil: the caller's namespace).
    public static func create(namespace: String, outsideInterface: String? = nil, insideInterface: String = "tovpn",
                              mac: MACAddress? = nil, address: IPPrefix, gateway: IPAddress?,
                              outsideMTU: UInt32 = 9000, insideMTU: UInt32 = 1420,
                              networkNamespacePath: String? = nil) throws -> NetnsPort {
        try NetworkNamespace.create(namespace)
        let outside = outsideInterface ?? outsideName(namespace: namespace)
        let insidePath = NetworkNamespace.path(of: namespace)
        let inside = try NetworkNamespace.perform(in: insidePath) { try LinkSocket() }
        if let stale = try inside.link(named: insideInterface) { try inside.delete(stale.index, name: insideInterface) }
        let fd = open(insidePath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LinuxDataplaneError.system(operation: "open \(insidePath)", errno: errno) }
        defer { close(fd) }
        try NetworkNamespace.perform(in: networkNamespacePath) {
            let here = try LinkSocket()
            if let stale = try here.link(named: outside) { try here.delete(stale.index, name: outside) }
            try here.createVeth(name: outside, mtu: outsideMTU, peer: insideInterface, peerNamespace: fd)
        }
        var link = try inside.require(insideInterface)
        try inside.change(link.index, name: insideInterface, up: true, mtu: insideMTU, address: mac)
        link = try inside.require(insideInterface)
        try inside.addAddress(address, index: link.index, name: insideInterface)
        if let gateway { try inside.replaceDefaultRoute(via: gateway, index: link.index, name: insideInterface) }
        guard let actual = link.address else { throw LinuxDataplaneError.invalid("\(insideInterface) has no MAC address") }
        return NetnsPort(namespace: namespace, outsideInterface: outside, insideInterface: insideInterface, mac: actual)
    }

    /// Deletes the veth pair (deleting the outside end removes both); missing is not an error. The
    /// namespace itself stays.
    public static func remove(namespace: String, outsideInterface: String? = nil, networkNamespacePath: String? = nil) throws {
        let outside = outsideInterface ?? outsideName(namespace: namespace)
        try NetworkNamespace.perform(in: networkNamespacePath) {
            let here = try LinkSocket()
            if let link = try here.link(named: outside) { try here.delete(link.index, name: outside) }
        }
    }
}
