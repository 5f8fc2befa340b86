import NetAddress

/// Why an attach or detach was refused. `description` is BaGPipe's exact message where BaGPipe
/// has one (bagpipe.md §3); `isInternalError` marks the cases BaGPipe answers with HTTP 500.
public enum EVPNError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A new instance asked for a VNI another instance uses.
    case duplicateVNI(UInt32)
    /// The IP is attached to other MACs in this instance (on attach), or not to this MAC (on detach).
    case ipBoundToAnotherMAC(ip: IPPrefix, mac: MACAddress, boundMACs: [MACAddress])
    /// The MAC is already attached through another port.
    case macOnAnotherPort(mac: MACAddress, previousPort: String, newPort: String)
    /// Detach from an instance that does not exist.
    case vpnNotFound(String)
    /// Detach of an endpoint whose MAC is not attached.
    case endpointNotPlugged(mac: MACAddress, ip: IPPrefix?)
    /// `vni` outside 1…16777215 (24 bits, RFC 7348 §5).
    case vniOutOfRange(UInt32)
    /// `advertise_subnet` with a prefix longer than a host: EVPN advertises hosts only.
    case subnetAdvertisementUnsupported(IPPrefix)
    /// No VNI or route distinguisher left to allocate.
    case identifiersExhausted(String)

    public var description: String {
        switch self {
        case .duplicateVNI(let vni):
            return "A VPN instance using vni \(vni) already exists."
        case .ipBoundToAnotherMAC(let ip, let mac, let bound):
            let set = bound.isEmpty ? "set()" : "{" + bound.sorted().map { "'\($0)'" }.joined(separator: ", ") + "}"
            return "Inconsistent endpoint info: IP \(ip) already bound to a MAC address different from \(mac) (\(set))"
        case .macOnAnotherPort(_, let previousPort, let newPort):
            return "Port information is not consistent. MAC address cannot be bound to two different ports. "
                + "Previous plug for port \(newPort) ({'linuxif': '\(previousPort)'} != {'linuxif': '\(newPort)'})"
        case .vpnNotFound(let id):
            return "VPN \(id) could not be found"
        case .endpointNotPlugged(let mac, let ip):
            return "Endpoint ('\(mac)', \(ip.map { "'\($0)'" } ?? "None")) not plugged yet, can't unplug"
        case .vniOutOfRange(let vni):
            return "vni \(vni) is out of range (1-16777215)"
        case .subnetAdvertisementUnsupported(let prefix):
            return "advertise_subnet is not supported for EVPN with a non-host prefix: \(prefix)"
        case .identifiersExhausted(let what):
            return "no \(what) left to allocate"
        }
    }

    /// BaGPipe answers these with 500 rather than 400.
    public var isInternalError: Bool {
        switch self {
        case .subnetAdvertisementUnsupported, .identifiersExhausted: true
        default: false
        }
    }
}
