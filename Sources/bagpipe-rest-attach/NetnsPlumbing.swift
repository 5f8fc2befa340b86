import Foundation
import LinuxDataplane
import NetAddress

/// The `--port netns` plumbing, done by LinuxDataplane's `NetnsPort` (netlink, no shell): a veth pair
/// `ns-<name>` ↔ `tovpn` into a namespace, the address and default route inside.
enum NetnsPlumbing {
    /// Where the inside end goes.
    enum Target {
        /// A named namespace (`--netns`), created when missing.
        case named(String)
        /// A running container's namespace (`--container`), found by `ContainerNamespace`.
        case container(name: String, path: String)

        /// The name the outside interface is made from, and that messages show.
        var label: String {
            switch self {
            case .named(let name), .container(let name, _): name
            }
        }

        var path: String {
            switch self {
            case .named(let name): NetworkNamespace.path(of: name)
            case .container(_, let path): path
            }
        }
    }

    static func outsideName(_ target: Target) -> String { NetnsPort.outsideName(namespace: target.label) }

    /// Creates (or re-creates) the port; returns the MAC of the inside interface.
    static func create(_ target: Target, outside: String, inside: String, mac: String?, address: IPPrefix,
                       gateway: String) throws -> MACAddress {
        var wantedMAC: MACAddress?
        if let mac {
            guard let parsed = MACAddress(mac) else { throw CommandFailure("invalid --mac \(mac)") }
            wantedMAC = parsed
        }
        guard let gatewayAddress = IPAddress(gateway) else { throw CommandFailure("invalid gateway address \(gateway)") }
        switch target {
        case .named(let name):
            return try NetnsPort.create(namespace: name, outsideInterface: outside, insideInterface: inside,
                                        mac: wantedMAC, address: address, gateway: gatewayAddress).mac
        case .container(_, let path):
            return try NetnsPort.create(namespacePath: path, outsideInterface: outside, insideInterface: inside,
                                        mac: wantedMAC, address: address, gateway: gatewayAddress).mac
        }
    }

    /// The MAC of `inside` in the target's namespace (for a detach without --mac), read over netlink.
    static func insideMAC(_ target: Target, inside: String) throws -> MACAddress {
        do {
            return try NetnsPort.insideMAC(namespacePath: target.path, insideInterface: inside)
        } catch {
            throw CommandFailure("cannot read the MAC address of \(inside) in namespace \(target.label): \(error)")
        }
    }

    /// Asked over netlink: /sys/class/net shows the namespace that mounted /sys, which is not ours
    /// under `nsenter --net`.
    static func interfaceExists(_ name: String) -> Bool {
        !name.isEmpty && (try? VethPair.interface(named: name)) != nil
    }
}
