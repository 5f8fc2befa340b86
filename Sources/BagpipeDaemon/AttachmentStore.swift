import BagpipeAPI
import Dispatch
import Foundation
import Logging
import NetAddress
import OrderedJSON

/// Remembers the attachments the REST API accepted, in a JSON file, so that a restarted daemon
/// plugs them again by itself (BaGPipe forgets everything and waits for its clients to re-post).
///
/// The file holds BaGPipe attach request bodies, one per endpoint, in attach order; they are
/// replayed through the same validation and attach path as a live request. Changes are written at
/// most once per `scheduler` turn (the event loop's), atomically (temporary file + rename) on a
/// queue of their own. Each body also carries our MAC mobility sequence number for its MAC
/// (`mac_mobility_sequence`, RFC 7432 §15, absent when 0 and in files of older versions), which
/// the REST API would ignore.
final class AttachmentStore: @unchecked Sendable {
    /// One attached endpoint: instance, MAC and IP (nil for MAC-only).
    struct Key: Hashable {
        var instanceID: String
        var mac: MACAddress
        var ip: IPPrefix?
    }

    let path: String
    private let logger: Logger
    private let writer = DispatchQueue(label: "swift-bagpipe.state")
    /// Endpoints in attach order with their request bodies (loop only).
    private var order: [Key] = []
    private var bodies: [Key: JSONObject] = [:]
    /// Our MAC mobility sequence number per attached MAC, by instance (loop only).
    private var sequences: [String: [MACAddress: UInt32]] = [:]

    /// Runs the coalesced save later (the daemon passes the event loop); nil saves at once.
    private let scheduler: ((@escaping @Sendable () -> Void) -> Void)?
    private var saveScheduled = false
    /// Set while stored attachments are replayed: nothing changes on disk then.
    var isRestoring = false

    init(path: String, logger: Logger, scheduler: ((@escaping @Sendable () -> Void) -> Void)? = nil) {
        self.path = path
        self.logger = logger
        self.scheduler = scheduler
    }

    /// The stored requests, oldest first; an unreadable file is logged and treated as empty.
    func load() -> [JSONObject] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let items: [JSONValue]?
        do {
            items = try JSONValue(parsing: Array(data)).arrayValue
        } catch {
            logger.error("state file \(path) ignored: \(error)")
            return []
        }
        guard let items else {
            logger.error("state file \(path) ignored: expected a JSON array")
            return []
        }
        return items.compactMap(\.objectValue)
    }

    /// Records a successful attach (replacing an earlier one of the same endpoint). Loop only.
    func attached(_ request: AttachRequest) {
        let key = Key(instanceID: request.vpnInstanceID, mac: request.macAddress, ip: request.ipAddress)
        if bodies[key] == nil { order.append(key) }
        let body = Self.body(of: request)
        bodies[key] = body
        // The router replaces a MAC-only endpoint by the MAC's first IP endpoint; so does the file.
        if key.ip != nil {
            let macOnly = Key(instanceID: key.instanceID, mac: key.mac, ip: nil)
            if bodies.removeValue(forKey: macOnly) != nil { order.removeAll { $0 == macOnly } }
        }
        // An RT change applies to the whole instance: keep every stored endpoint of it consistent.
        for other in order where other.instanceID == key.instanceID && other != key {
            bodies[other]?["import_rt"] = body["import_rt"]
            bodies[other]?["export_rt"] = body["export_rt"]
        }
        save()
    }

    /// Records a successful detach (every IP of the MAC when `ip` is nil). Loop only.
    func detached(instanceID: String, mac: MACAddress, ip: IPPrefix?) {
        let removed = order.filter { $0.instanceID == instanceID && $0.mac == mac && (ip == nil || $0.ip == ip) }
        guard !removed.isEmpty else { return }
        for key in removed { bodies[key] = nil }
        order.removeAll { bodies[$0] == nil }
        if !order.contains(where: { $0.instanceID == instanceID && $0.mac == mac }) {
            sequences[instanceID]?[mac] = nil
            if sequences[instanceID]?.isEmpty == true { sequences[instanceID] = nil }
        }
        save()
    }

    /// Records our MAC mobility sequence number for an attached MAC. Loop only.
    func sequenceChanged(instanceID: String, mac: MACAddress, to sequence: UInt32) {
        guard sequences[instanceID]?[mac] != sequence else { return }
        sequences[instanceID, default: [:]][mac] = sequence
        save()
    }

    /// The sequence number a stored body carries: 0 when it has none (files of older versions) or
    /// when the value is not a 32-bit unsigned integer (logged).
    func storedSequence(in body: JSONObject) -> UInt32 {
        guard let value = body[Self.sequenceKey] else { return 0 }
        guard case .int(let number) = value, let sequence = UInt32(exactly: number) else {
            logger.error("state file \(path): \(Self.sequenceKey) \(value.serialized(.compact)) ignored (not an integer from 0 to \(UInt32.max))")
            return 0
        }
        return sequence
    }

    static let sequenceKey = "mac_mobility_sequence"

    /// Marks the file for writing; the write happens once per scheduler turn.
    private func save() {
        guard !isRestoring else { return }
        guard let scheduler else { return write() }
        guard !saveScheduled else { return }
        saveScheduled = true
        scheduler { [self] in
            saveScheduled = false
            write()
        }
    }

    private func write() {
        let snapshot = JSONValue.array(order.compactMap { key in
            guard var body = bodies[key] else { return nil }
            if let sequence = sequences[key.instanceID]?[key.mac], sequence > 0 { body[Self.sequenceKey] = .int(Int64(sequence)) }
            return .object(body)
        }).serialized(.compact)
        let path = path
        let logger = logger
        writer.async {
            do {
                let directory = (path as NSString).deletingLastPathComponent
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try Data(snapshot.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                logger.error("cannot write state file \(path): \(error)")
            }
        }
    }

    /// Writes pending changes now and waits until they are on disk (tests and shutdown).
    func flush() {
        if saveScheduled {
            saveScheduled = false
            write()
        }
        writer.sync {}
    }

    /// The request as BaGPipe's clients send it, with only the fields that matter for EVPN.
    static func body(of request: AttachRequest) -> JSONObject {
        var body: JSONObject = [
            "vpn_type": .string(request.vpnType.rawValue),
            "vpn_instance_id": .string(request.vpnInstanceID),
            "mac_address": .string(request.macAddress.description),
            "local_port": .object(request.localPort.json),
            "import_rt": .array(request.importRouteTargets.map { .string($0.description) }),
            "export_rt": .array(request.exportRouteTargets.map { .string($0.description) }),
            "advertise_subnet": .bool(request.advertiseSubnet),
            "direction": .string(request.direction.rawValue),
        ]
        if let ip = request.ipAddress { body["ip_address"] = .string(ip.description) }
        if let gateway = request.gatewayIP { body["gateway_ip"] = .string(gateway.description) }
        if let vni = request.vni { body["vni"] = .int(Int64(vni)) }
        if let bridge = request.linuxBridge { body["linuxbr"] = .string(bridge) }
        if let preference = request.localPreference { body["local_pref"] = .int(Int64(preference)) }
        if let description = request.description { body["description"] = description }
        if let description = request.instanceDescription { body["instance_description"] = description }
        return body
    }
}
