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
/// replayed through the same validation and attach path as a live request. An attachment whose
/// interface is not there yet at start stays in the file, waiting (`keepWaiting`), until it is
/// plugged or detached. Changes are written at most once per `scheduler` turn (the event loop's),
/// durably and with retries (`StateFileWriter`). Each body also carries our MAC mobility sequence
/// number for its MAC (`mac_mobility_sequence`, RFC 7432 §15, absent when 0 and in files of older
/// versions), which the REST API would ignore.
final class AttachmentStore: @unchecked Sendable {
    /// One attached endpoint: instance, MAC and IP (nil for MAC-only).
    struct Key: Hashable {
        var instanceID: String
        var mac: MACAddress
        var ip: IPPrefix?

        init(instanceID: String, mac: MACAddress, ip: IPPrefix?) {
            self.instanceID = instanceID
            self.mac = mac
            self.ip = ip
        }

        init(_ request: AttachRequest) {
            self.init(instanceID: request.vpnInstanceID, mac: request.macAddress, ip: request.ipAddress)
        }

        /// What a detach of `mac` (and `ip`, or every IP of the MAC when nil) in an instance removes.
        func isDetached(by instanceID: String, mac: MACAddress, ip: IPPrefix?) -> Bool {
            self.instanceID == instanceID && self.mac == mac && (ip == nil || self.ip == ip)
        }
    }

    /// What `load` found.
    enum Contents: Equatable {
        /// The stored requests, oldest first (none when there is no file).
        case requests([JSONObject])
        /// The file could not be read or parsed; it was renamed to `movedTo` (nil if that failed too).
        case setAside(reason: String, movedTo: String?)
    }

    /// Larger files are not read (every input has a bounded cost): about 100,000 attachments.
    static let maximumSize = 64 << 20

    let path: String
    private let logger: Logger
    private let writer: StateFileWriter
    /// Endpoints in attach order with their request bodies (loop only).
    private var order: [Key] = []
    private var bodies: [Key: JSONObject] = [:]
    /// Stored attachments not plugged yet (their interface is missing), by key (loop only).
    private(set) var waiting: [Key: AttachRequest] = [:]
    /// Our MAC mobility sequence number per attached MAC, by instance (loop only).
    private var sequences: [String: [MACAddress: UInt32]] = [:]

    /// Runs the coalesced save later (the daemon passes the event loop); nil saves at once.
    private let scheduler: ((@escaping @Sendable () -> Void) -> Void)?
    private var saveScheduled = false
    /// Set while stored attachments are replayed: nothing changes on disk then.
    var isRestoring = false

    init(path: String, logger: Logger, retryDelays: [Double] = [1, 2, 5, 10, 30],
         scheduler: ((@escaping @Sendable () -> Void) -> Void)? = nil) {
        self.path = path
        self.logger = logger
        self.scheduler = scheduler
        writer = StateFileWriter(path: path, retryDelays: retryDelays) { [logger] error, recovered in
            if let error {
                logger.error("cannot write state file \(path) (kept in memory, retrying): \(error)")
            } else if recovered {
                logger.notice("state file \(path) written again after failures")
            }
        }
    }

    /// How writing the file goes (for the looking glass).
    var writeStatus: StateFileWriter.Status { writer.status }

    /// The stored requests. A file that cannot be read or parsed is moved aside
    /// (`<path>.corrupt-<UTC time>`) and logged, never silently taken for "no attachment".
    func load() -> Contents {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return .requests([]) }
            return setAside("cannot be examined: \(String(cString: strerror(errno)))")
        }
        if info.st_mode & S_IFMT != S_IFREG { return setAside("not a regular file") }
        if info.st_size > Self.maximumSize { return setAside("larger than \(Self.maximumSize) bytes") }
        guard let data = FileManager.default.contents(atPath: path) else {
            return setAside("cannot be read: \(String(cString: strerror(errno)))")
        }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: Array(data))
        } catch {
            return setAside("not valid JSON: \(error)")
        }
        guard let items = value.arrayValue else { return setAside("expected a JSON array") }
        let requests = items.compactMap(\.objectValue)
        if requests.count != items.count {
            logger.error("state file \(path): \(items.count - requests.count) entr(y/ies) that are not JSON objects ignored")
        }
        return .requests(requests)
    }

    private func setAside(_ reason: String) -> Contents {
        let target = path + ".corrupt-" + Self.timestamp(Date())
        if rename(path, target) == 0 {
            logger.error("state file \(path) \(reason): moved to \(target); no device is touched until clients re-attach")
            return .setAside(reason: reason, movedTo: target)
        }
        let problem = String(cString: strerror(errno))
        logger.error("state file \(path) \(reason), and cannot be moved aside (\(problem)); no device is touched until clients re-attach")
        return .setAside(reason: reason, movedTo: nil)
    }

    /// `20260101T120000Z` (UTC).
    static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    /// Records a successful attach (replacing an earlier one of the same endpoint). Loop only.
    func attached(_ request: AttachRequest) {
        let key = Key(request)
        waiting[key] = nil
        record(key, body: Self.body(of: request))
    }

    /// Keeps a stored attachment that could not be plugged yet (its interface is missing) in the
    /// file, to be plugged when the interface appears. Loop only.
    func keepWaiting(_ request: AttachRequest, sequence: UInt32 = 0) {
        let key = Key(request)
        waiting[key] = request
        if sequence > 0 { sequences[key.instanceID, default: [:]][key.mac] = sequence }
        record(key, body: Self.body(of: request))
    }

    /// The MAC mobility sequence number recorded for an endpoint's MAC, if any.
    func sequence(of key: Key) -> UInt32? { sequences[key.instanceID]?[key.mac] }

    private func record(_ key: Key, body: JSONObject) {
        if bodies[key] == nil { order.append(key) }
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
        let removed = order.filter { $0.isDetached(by: instanceID, mac: mac, ip: ip) }
        guard !removed.isEmpty else { return }
        for key in removed {
            bodies[key] = nil
            waiting[key] = nil
        }
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
        writer.write(JSONValue.array(order.compactMap { key in
            guard var body = bodies[key] else { return nil }
            if let sequence = sequences[key.instanceID]?[key.mac], sequence > 0 { body[Self.sequenceKey] = .int(Int64(sequence)) }
            return .object(body)
        }).serialized(.compact))
    }

    /// Writes pending changes now and waits until that attempt is over (tests and shutdown).
    func flush() {
        if saveScheduled {
            saveScheduled = false
            write()
        }
        writer.waitForAttempts()
        if let error = writer.status.lastError {
            logger.error("state file \(path) not written: \(error)")
        }
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
