import BagpipeAPI
import NetAddress
import OrderedJSON

/// The network configuration the runtime passes on standard input (CNI spec 1.1 "Network
/// configuration"), with this plugin's keys. Unknown keys are ignored, as the spec allows.
///
/// ```json
/// {"cniVersion": "1.0.0", "name": "evpn-demo", "type": "bagpipe-cni",
///  "vpnInstanceId": "demo", "routeTargets": ["64512:80"], "mtu": 1450,
///  "ipam": {"type": "host-local", "ranges": [[{"subnet": "203.0.113.0/24"}]]}}
/// ```
public struct NetworkConfig: Sendable {
    public var cniVersion: CNIVersion
    /// `name`: the network's name, part of every attachment's key.
    public var name: String
    /// `vpnInstanceId` (default: `name`): the EVPN instance the daemon plugs containers into.
    public var instanceID: String
    /// `routeTargets` plus `importRouteTargets`.
    public var importRouteTargets: [APIRouteTarget]
    /// `routeTargets` plus `exportRouteTargets`.
    public var exportRouteTargets: [APIRouteTarget]
    /// `vni`: a fixed VNI for the instance; nil lets the daemon allocate one.
    public var vni: UInt32?
    /// `mtu` of both ends of the veth (default 1450: a 1500-byte underlay less VXLAN over IPv4).
    public var mtu: UInt32
    /// `api`: the daemon's REST API.
    public var api: DaemonAddress
    /// `gateway`: sent to the daemon as `gateway_ip`, and the next hop of IPAM routes of its family
    /// that name none when the IPAM address has no gateway either.
    public var gateway: IPAddress?
    /// `ipam`: the IPAM plugin's section; nil gives an interface without addresses (MAC-only endpoint).
    public var ipamType: String?
    /// `dns`, reported when the IPAM plugin gives none.
    public var dns: JSONObject?
    /// `prevResult`: the result of the plugins before this one (chaining), or of ADD (CHECK, DEL).
    public var previousResult: CNIResult?
    /// `cni.dev/valid-attachments` (GC): the attachments the runtime still uses.
    public var validAttachments: [AttachmentKey]?
    /// The configuration as received, passed on to the IPAM plugin.
    public var json: JSONObject

    public static let defaultMTU: UInt32 = 1450

    /// Parses and validates the configuration; the first problem is thrown as error 6 (not JSON),
    /// 1 (a `cniVersion` we do not speak) or 7 (naming the field).
    public init(bytes: [UInt8]) throws(CNIError) {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw CNIError(.decodingFailure, "network config is not JSON: \(error)")
        }
        guard let object = value.objectValue else { throw CNIError(.decodingFailure, "network config is not a JSON object") }
        json = object
        cniVersion = try CNIVersion.parse(object["cniVersion"])
        guard let name = try Self.string(object, "name") else { throw CNIError.config("name", "missing") }
        self.name = name
        guard Self.isNetworkName(name) else {
            throw CNIError.config("name", "\(name) is not a network name (a letter or digit, then letters, digits, '_', '.', '-')")
        }
        guard try Self.string(object, "type") != nil else { throw CNIError.config("type", "missing") }
        instanceID = try Self.string(object, "vpnInstanceId") ?? name
        guard !instanceID.isEmpty else { throw CNIError.config("vpnInstanceId", "must not be empty") }
        let shared = try Self.routeTargets(object, "routeTargets")
        importRouteTargets = shared + (try Self.routeTargets(object, "importRouteTargets"))
        exportRouteTargets = shared + (try Self.routeTargets(object, "exportRouteTargets"))
        guard !importRouteTargets.isEmpty else { throw CNIError.config("routeTargets", "no import route target (routeTargets or importRouteTargets)") }
        guard !exportRouteTargets.isEmpty else { throw CNIError.config("routeTargets", "no export route target (routeTargets or exportRouteTargets)") }
        let vni = try Self.integer(object, "vni", in: 0...0xFF_FFFF)
        self.vni = vni.flatMap { $0 == 0 ? nil : UInt32($0) }
        mtu = try Self.integer(object, "mtu", in: 68...65535).map { UInt32($0) } ?? Self.defaultMTU
        api = try Self.string(object, "api").map { text throws(CNIError) in
            guard let address = DaemonAddress(text) else {
                throw CNIError.config("api", "\(text) is neither http://HOST:PORT nor the path of a Unix socket")
            }
            return address
        } ?? .default
        gateway = try Self.string(object, "gateway").map { text throws(CNIError) in
            guard let address = IPAddress(text) else { throw CNIError.config("gateway", "\(text) is not an IP address") }
            return address
        }
        if let ipam = object["ipam"], !ipam.isNull {
            guard let section = ipam.objectValue else { throw CNIError.config("ipam", "must be an object") }
            guard let type = try Self.string(section, "type", field: "ipam.type"), !type.isEmpty else {
                throw CNIError.config("ipam.type", "missing")
            }
            guard !type.contains("/") else { throw CNIError.config("ipam.type", "\(type) must be a plugin name, not a path") }
            ipamType = type
        }
        if let dns = object["dns"], !dns.isNull {
            guard let section = dns.objectValue else { throw CNIError.config("dns", "must be an object") }
            self.dns = section
        }
        if let previous = object["prevResult"], !previous.isNull {
            previousResult = try CNIResult(json: previous, field: "prevResult")
        }
        validAttachments = try Self.validAttachments(object["cni.dev/valid-attachments"])
    }

    /// Alphanumeric first, then alphanumerics, `_`, `.`, `-` (spec "Network configuration").
    static func isNetworkName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, Self.isASCIIAlphanumeric(first) else { return false }
        return name.unicodeScalars.allSatisfy { isASCIIAlphanumeric($0) || "_.-".unicodeScalars.contains($0) }
    }

    private static func isASCIIAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    private static func string(_ object: JSONObject, _ key: String, field: String? = nil) throws(CNIError) -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw CNIError.config(field ?? key, "must be a string") }
        return text
    }

    private static func integer(_ object: JSONObject, _ key: String, in range: ClosedRange<Int64>) throws(CNIError) -> Int64? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let number = value.intValue, range.contains(number) else {
            throw CNIError.config(key, "must be an integer between \(range.lowerBound) and \(range.upperBound)")
        }
        return number
    }

    private static func routeTargets(_ object: JSONObject, _ key: String) throws(CNIError) -> [APIRouteTarget] {
        guard let value = object[key], !value.isNull else { return [] }
        guard let items = value.arrayValue else { throw CNIError.config(key, "must be a list of route targets (\"ASN:NN\")") }
        var targets: [APIRouteTarget] = []
        for item in items {
            guard let text = item.stringValue, let target = APIRouteTarget(text) else {
                throw CNIError.config(key, "\(item.serialized(.compact)) is not a route target (\"ASN:NN\")")
            }
            if !targets.contains(target) { targets.append(target) }
        }
        return targets
    }

    private static func validAttachments(_ value: JSONValue?) throws(CNIError) -> [AttachmentKey]? {
        let field = "cni.dev/valid-attachments"
        guard let value, !value.isNull else { return nil }
        guard let items = value.arrayValue else { throw CNIError.config(field, "must be a list") }
        var keys: [AttachmentKey] = []
        for item in items {
            guard let object = item.objectValue, let id = object["containerID"]?.stringValue,
                  let interface = object["ifname"]?.stringValue else {
                throw CNIError.config(field, "\(item.serialized(.compact)) is not {\"containerID\": …, \"ifname\": …}")
            }
            keys.append(AttachmentKey(containerID: id, interfaceName: interface))
        }
        return keys
    }
}
