import Dataplane
import Dispatch
import Glibc
import NetAddress
import Synchronization

/// The Linux VXLAN dataplane (RFC 7348 devices, RFC 8365 §5 EVPN over VXLAN) programmed over
/// netlink: libnl-route-3 for links, libmnl for FDB and neighbour entries in batches.
///
/// Per instance: a bridge `evpn---<id>` (or the configured existing bridge) and a vxlan device
/// `vxlan--<id>` enslaved to it (see `DeviceNaming`). Every device it creates carries the alias
/// `swift-bagpipe:<externalID>`; that marker is how `reconcile` and `removeAll` find its devices
/// and nothing else. It never shells out.
public final class LinuxVXLANDriver: DataplaneDriver {
    public static let aliasPrefix = "swift-bagpipe:"

    public let name = "linux"
    public let configuration: LinuxVXLANConfiguration

    let links: LinkSocket
    let neighbours: NeighbourSocket
    let listener: LocalMACListener
    /// For `portExists`, which other threads call: a socket of its own, one caller at a time.
    private let portLookup: Mutex<LinkSocket>
    /// Devices of the instances this driver knows, by external id.
    var instances: [String: InstanceDevices] = [:]

    /// Called (on the driver's own serial listener queue) when a MAC is learned on, or leaves, a
    /// plugged port.
    public var onLocalMAC: (@Sendable (LocalMACEvent) -> Void)? {
        get { listener.handler }
        set { listener.handler = newValue }
    }

    /// Called (on the listener queue) with a message to log when local MAC events were lost to a
    /// netlink receive-buffer overrun, saying how the resynchronisation from a bridge FDB dump went
    /// (missed MACs are then reported through `onLocalMAC`), or when a resynchronisation failed.
    public var onLocalMACWarning: (@Sendable (String) -> Void)? {
        get { listener.warningHandler }
        set { listener.warningHandler = newValue }
    }

    /// How many times local MAC events were lost (receive-buffer overruns, each followed by a resync).
    public var localMACOverruns: Int { listener.overruns }

    /// Opens the netlink sockets (in `configuration.networkNamespacePath` if set) and starts the
    /// local MAC listener. Creates no device.
    public init(configuration: LinuxVXLANConfiguration) throws {
        self.configuration = configuration
        let queue = DispatchQueue(label: "swift-bagpipe.dataplane.local-mac")
        let sockets = try NetworkNamespace.perform(in: configuration.networkNamespacePath) {
            (try LinkSocket(), try NeighbourSocket(), try LocalMACListener(queue: queue))
        }
        (links, neighbours, listener) = sockets
        portLookup = Mutex(try NetworkNamespace.perform(in: configuration.networkNamespacePath) { try LinkSocket() })
    }

    deinit { listener.stop() }

    static func marker(_ externalID: String) -> String { aliasPrefix + externalID }

    public func describe(externalID: String) -> [String: String] {
        guard let devices = instances[externalID] else { return [:] }
        return ["linux_bridge": devices.bridge.name, "vxlan_if": devices.vxlan.name, "vni": String(devices.vni),
                "mtu": String(devices.mtu), "local_address": configuration.localAddress.description,
                "vxlan_dst_port": String(configuration.vxlanPort)]
    }

    public func portExists(_ interface: String) -> Bool {
        portLookup.withLock { socket in
            do { return try socket.link(named: interface) != nil } catch { return true }
        }
    }

    // MARK: apply

    public func apply(_ intents: [DataplaneIntent]) -> [DataplaneFailure] {
        var batch = NeighbourBatch()
        var failures: [Int: String] = [:]
        func fail(_ index: Int, _ reason: String) { failures[index] = failures[index] ?? reason }
        func flush() {
            for (index, reason) in batch.run(on: neighbours) { fail(index, reason) }
        }
        for (index, intent) in intents.enumerated() {
            do {
                switch intent {
                case .createInstance(let spec):
                    flush()
                    try createInstance(spec)
                case .deleteInstance(let id):
                    flush()
                    try deleteInstance(id)
                case .plugPort(let id, let interface, let mac):
                    flush()
                    let port = try plugPort(id, interface: interface)
                    batch.add(.bridgeEntry(.replace, port: port, mac: mac, externallyLearned: false), for: index, on: interface)
                case .unplugPort(let id, let interface, let mac):
                    if let port = try portToUnplug(id, interface: interface) {
                        batch.add(.bridgeEntry(.delete, port: port.index, mac: mac, externallyLearned: false), for: index,
                                  on: interface)
                        flush()
                        try releasePort(port)
                    }
                case .addFloodEntry(let id, let vtep, let vni):
                    let vxlan = try devices(id).vxlan
                    batch.add(.vxlanEntry(.append, vxlan: vxlan.index, mac: .zero, vtep: vtep, vni: vni, alsoBridge: false),
                              for: index, on: vxlan.name)
                case .removeFloodEntry(let id, let vtep, let vni):
                    let vxlan = try devices(id).vxlan
                    batch.add(.vxlanEntry(.delete, vxlan: vxlan.index, mac: .zero, vtep: vtep, vni: vni, alsoBridge: false),
                              for: index, on: vxlan.name)
                case .setRemoteMAC(let id, let mac, let vtep, let vni):
                    let vxlan = try devices(id).vxlan
                    batch.add(.vxlanEntry(.replace, vxlan: vxlan.index, mac: mac, vtep: vtep, vni: vni, alsoBridge: true),
                              for: index, on: vxlan.name)
                    instances[id]?.remoteMACs[mac] = vtep
                case .removeRemoteMAC(let id, let mac, let vtep, let vni):
                    let vxlan = try devices(id).vxlan
                    batch.add(.vxlanEntry(.delete, vxlan: vxlan.index, mac: mac, vtep: vtep, vni: vni, alsoBridge: false),
                              for: index, on: vxlan.name)
                    // The bridge entry goes only if the MAC still points at this VTEP (not moved since).
                    if instances[id]?.remoteMACs[mac] ?? vtep == vtep {
                        batch.add(.bridgeEntry(.delete, port: vxlan.index, mac: mac, externallyLearned: true),
                                  for: index, on: vxlan.name)
                        instances[id]?.remoteMACs[mac] = nil
                    }
                case .setNeighbour(let id, let ip, let mac):
                    let device = try devices(id).neighbourDevice
                    batch.add(.ipNeighbour(.replace, device: device.index, ip: ip, mac: mac), for: index, on: device.name)
                case .removeNeighbour(let id, let ip, let mac):
                    let device = try devices(id).neighbourDevice
                    batch.add(.ipNeighbour(.delete, device: device.index, ip: ip, mac: mac), for: index, on: device.name)
                }
            } catch {
                fail(index, "\(error)")
            }
            if batch.count >= NeighbourBatch.limit { flush() }
        }
        flush()
        return failures.keys.sorted().map { DataplaneFailure(intent: intents[$0], reason: failures[$0]!) }
    }

    /// The devices of a known instance.
    func devices(_ externalID: String) throws -> InstanceDevices {
        guard let devices = instances[externalID] else {
            throw LinuxDataplaneError.invalid("unknown instance \(externalID) (no createInstance)")
        }
        return devices
    }
}

/// Neighbour requests collected across intents, sent together, and the kernel's answers mapped back
/// to the intents that asked for them.
struct NeighbourBatch {
    /// Requests held before they are sent: a million remote MACs go out in bounded slices, so the
    /// requests, owners and answers of a bulk change never all sit in memory at once.
    static let limit = 16_384

    private var messages: [NeighbourMessage] = []
    private var owners: [(intent: Int, device: String)] = []

    var count: Int { messages.count }

    mutating func add(_ message: NeighbourMessage, for intentIndex: Int, on device: String) {
        messages.append(message)
        owners.append((intentIndex, device))
    }

    /// Sends everything queued; returns (intent index, reason) for each refused request.
    mutating func run(on socket: NeighbourSocket) -> [(Int, String)] {
        guard !messages.isEmpty else { return [] }
        let outcomes = socket.execute(messages)
        var failures: [(Int, String)] = []
        for (offset, outcome) in outcomes.enumerated() where !outcome.succeeded {
            let message = messages[offset]
            if message.toleratesMissing && outcome.errno == ENOENT { continue }
            let owner = owners[offset]
            failures.append((owner.intent, "\(message.summary(device: owner.device)): kernel refused: \(outcome.description)"))
        }
        messages.removeAll(keepingCapacity: true)
        owners.removeAll(keepingCapacity: true)
        return failures
    }
}

extension NeighbourMessage {
    /// What the request was, for error messages (`bridge fdb` / `ip neigh` words).
    func summary(device: String) -> String {
        let verb = switch operation { case .replace: "replace"; case .append: "append"; case .delete: "delete" }
        var words = [family == UInt8(AF_BRIDGE) ? "fdb \(verb)" : "neigh \(verb)"]
        if let destination, family != UInt8(AF_BRIDGE) { words.append(destination.description) }
        if let linkAddress { words.append(linkAddress.description) }
        words.append("dev \(device)")
        if let destination, family == UInt8(AF_BRIDGE) { words.append("dst \(destination)") }
        if let vni { words.append("vni \(vni)") }
        return words.joined(separator: " ")
    }
}
