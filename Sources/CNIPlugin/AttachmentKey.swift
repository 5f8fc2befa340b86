import LinuxDataplane
import OrderedJSON

/// What identifies one attachment made by the plugin (CNI spec: a network's attachments are keyed by
/// container ID and interface name), and how the daemon keeps it: as the `description` of each
/// endpoint attached for it, which the daemon stores (also in its state file) and its looking glass
/// shows, so DEL and GC find their attachments even after the namespace, or the plugin's own
/// memory of them, is gone.
public struct AttachmentKey: Hashable, Sendable {
    public var containerID: String
    public var interfaceName: String

    public init(containerID: String, interfaceName: String) {
        self.containerID = containerID
        self.interfaceName = interfaceName
    }

    /// The host end of the veth: `cni` + the container ID's first 6 characters + `-` + 5 hex digits
    /// of a hash of container ID and interface name (`DeviceNaming.hashedName`). Stable, unique per
    /// attachment in practice, 15 characters (IFNAMSIZ − 1), and recognisable next to `podman ps`.
    public var hostInterfaceName: String {
        DeviceNaming.hashedName(prefix: "cni", id: containerID + "/" + interfaceName)
    }

    /// The `description` of this attachment's endpoints in network `network`.
    func endpointDescription(network: String) -> JSONValue {
        ["bagpipe-cni": ["network": .string(network), "containerID": .string(containerID), "ifname": .string(interfaceName)]]
    }

    /// The (network, key) of an endpoint description the plugin wrote, or nil for any other. The
    /// daemon shows a description that is not a string as its compact JSON text.
    static func parse(endpointDescription text: String) -> (network: String, key: AttachmentKey)? {
        guard let value = try? JSONValue(parsing: text), let tag = value.objectValue?["bagpipe-cni"]?.objectValue,
              let network = tag["network"]?.stringValue, let id = tag["containerID"]?.stringValue,
              let interface = tag["ifname"]?.stringValue else { return nil }
        return (network, AttachmentKey(containerID: id, interfaceName: interface))
    }
}
