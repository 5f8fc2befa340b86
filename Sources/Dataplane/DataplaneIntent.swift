import NetAddress

/// What the EVPN layer wants one MAC-VRF to look like in the dataplane.
///
/// `externalID` is the REST `vpn_instance_id`; drivers derive device names from it
/// (BaGPipe: bridge `evpn---<id>`, vxlan `vxlan--<id>`, cut to 15 characters).
public struct InstanceSpec: Hashable, Sendable {
    public var externalID: String
    /// The VNI this node receives on (RFC 8365 §5.1.3); remote entries may carry other VNIs.
    public var vni: UInt32
    /// An existing bridge to use instead of creating one (REST `linuxbr`).
    public var existingBridge: String?

    public init(externalID: String, vni: UInt32, existingBridge: String? = nil) {
        self.externalID = externalID
        self.vni = vni
        self.existingBridge = existingBridge
    }
}

/// One change to the dataplane. The EVPN layer emits these; a driver carries them out.
/// Applying the same intent twice must be harmless.
public enum DataplaneIntent: Hashable, Sendable {
    /// Create (or adopt, if a previous run left it) the bridge and vxlan device of an instance.
    case createInstance(InstanceSpec)
    /// Remove the instance's devices and every entry on them.
    case deleteInstance(externalID: String)
    /// Attach a local interface to the instance bridge and pin its MAC there.
    case plugPort(externalID: String, interface: String, mac: MACAddress)
    /// Detach a local interface from the instance bridge and drop its pinned MAC.
    case unplugPort(externalID: String, interface: String, mac: MACAddress)
    /// Add a remote VTEP to the BUM flood list (all-zero MAC entry, `append` semantics).
    case addFloodEntry(externalID: String, vtep: IPAddress, vni: UInt32)
    case removeFloodEntry(externalID: String, vtep: IPAddress, vni: UInt32)
    /// Point a remote MAC at a VTEP (`replace` semantics: a MAC move is one intent).
    case setRemoteMAC(externalID: String, mac: MACAddress, vtep: IPAddress, vni: UInt32)
    case removeRemoteMAC(externalID: String, mac: MACAddress, vtep: IPAddress, vni: UInt32)
    /// A permanent neighbour entry (IP → MAC) for a remote endpoint, for ARP/ND suppression.
    case setNeighbour(externalID: String, ip: IPAddress, mac: MACAddress)
    case removeNeighbour(externalID: String, ip: IPAddress, mac: MACAddress)

    /// The instance this intent is about.
    public var externalID: String {
        switch self {
        case .createInstance(let spec): spec.externalID
        case .deleteInstance(let id), .plugPort(let id, _, _), .unplugPort(let id, _, _),
             .addFloodEntry(let id, _, _), .removeFloodEntry(let id, _, _),
             .setRemoteMAC(let id, _, _, _), .removeRemoteMAC(let id, _, _, _),
             .setNeighbour(let id, _, _), .removeNeighbour(let id, _, _):
            id
        }
    }
}

/// A driver's report that one intent could not be carried out.
public struct DataplaneFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public var intent: DataplaneIntent
    public var reason: String

    public init(intent: DataplaneIntent, reason: String) {
        self.intent = intent
        self.reason = reason
    }

    public var description: String { "\(intent): \(reason)" }
}
