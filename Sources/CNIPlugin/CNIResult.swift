import NetAddress
import OrderedJSON

/// The result of ADD (CNI spec 1.1 "Success"), as IPAM plugins give it (without `interfaces`), as a
/// chain passes it on in `prevResult`, and as this plugin prints it. Reads versions 0.3.0 to 1.1.0;
/// writes the version asked for: `ips[].version` up to 0.4.0, `interfaces[].mtu` from 1.1.0.
public struct CNIResult: Equatable, Sendable {
    public struct Interface: Equatable, Sendable {
        public var name: String
        public var mac: String?
        public var mtu: Int64?
        /// The namespace path for a container interface; nil for a host one.
        public var sandbox: String?
    }

    public struct IPConfig: Equatable, Sendable {
        public var address: IPPrefix
        public var gateway: IPAddress?
        /// Index into `interfaces`.
        public var interface: Int?
    }

    public struct Route: Equatable, Sendable {
        public var destination: IPPrefix
        public var gateway: IPAddress?
        /// The route as received: the fields of later versions (`mtu`, `table`, ...) pass through.
        public var json: JSONObject
    }

    public var interfaces: [Interface] = []
    public var ips: [IPConfig] = []
    public var routes: [Route] = []
    public var dns: JSONObject?

    public init() {}

    /// Parses a result; `field` names where it came from in errors (`prevResult`, `ipam result`).
    public init(json value: JSONValue, field: String) throws(CNIError) {
        guard let object = value.objectValue else { throw Self.invalid(field, "must be an object") }
        for (index, item) in try Self.list(object, "interfaces", field).enumerated() {
            let at = "\(field).interfaces[\(index)]"
            guard let entry = item.objectValue, let name = entry["name"]?.stringValue else { throw Self.invalid(at, "needs a name") }
            interfaces.append(Interface(name: name, mac: entry["mac"]?.stringValue, mtu: entry["mtu"]?.intValue,
                                        sandbox: entry["sandbox"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }))
        }
        for (index, item) in try Self.list(object, "ips", field).enumerated() {
            let at = "\(field).ips[\(index)]"
            guard let entry = item.objectValue, let text = entry["address"]?.stringValue, let address = IPPrefix(text) else {
                throw Self.invalid(at, "needs an address in CIDR form")
            }
            let gateway = try Self.address(entry["gateway"], "\(at).gateway")
            var interface: Int?
            if let number = entry["interface"]?.intValue {
                guard number >= 0, number < interfaces.count else { throw Self.invalid("\(at).interface", "\(number) is not an index of interfaces") }
                interface = Int(number)
            }
            ips.append(IPConfig(address: address, gateway: gateway, interface: interface))
        }
        for (index, item) in try Self.list(object, "routes", field).enumerated() {
            let at = "\(field).routes[\(index)]"
            guard let entry = item.objectValue, let text = entry["dst"]?.stringValue, let destination = IPPrefix(text) else {
                throw Self.invalid(at, "needs a dst in CIDR form")
            }
            routes.append(Route(destination: destination, gateway: try Self.address(entry["gw"], "\(at).gw"), json: entry))
        }
        if let dns = object["dns"], !dns.isNull {
            guard let section = dns.objectValue else { throw Self.invalid("\(field).dns", "must be an object") }
            self.dns = section
        }
    }

    private static func invalid(_ field: String, _ problem: String) -> CNIError {
        CNIError(.decodingFailure, "\(field): \(problem)")
    }

    private static func list(_ object: JSONObject, _ key: String, _ field: String) throws(CNIError) -> [JSONValue] {
        guard let value = object[key], !value.isNull else { return [] }
        guard let items = value.arrayValue else { throw invalid("\(field).\(key)", "must be a list") }
        return items
    }

    private static func address(_ value: JSONValue?, _ field: String) throws(CNIError) -> IPAddress? {
        guard let value, !value.isNull, value != .string("") else { return nil }
        guard let text = value.stringValue, let address = IPAddress(text) else { throw invalid(field, "is not an IP address") }
        return address
    }

    /// The result document in `version`.
    public func json(version: CNIVersion) -> JSONValue {
        var object: JSONObject = ["cniVersion": .string(version.rawValue)]
        object["interfaces"] = .array(interfaces.map { interface in
            var entry: JSONObject = ["name": .string(interface.name)]
            if let mac = interface.mac { entry["mac"] = .string(mac) }
            if version >= .v1_1_0, let mtu = interface.mtu { entry["mtu"] = .int(mtu) }
            if let sandbox = interface.sandbox { entry["sandbox"] = .string(sandbox) }
            return .object(entry)
        })
        object["ips"] = .array(ips.map { ip in
            var entry = JSONObject()
            if version < .v1_0_0 { entry["version"] = ip.address.address.isIPv4 ? "4" : "6" }
            entry["address"] = .string(ip.address.description)
            if let gateway = ip.gateway { entry["gateway"] = .string(gateway.description) }
            if let interface = ip.interface { entry["interface"] = .int(Int64(interface)) }
            return .object(entry)
        })
        object["routes"] = .array(routes.map { route in
            if version >= .v1_1_0 { return .object(route.json) }
            var entry: JSONObject = ["dst": .string(route.destination.description)]
            if let gateway = route.gateway { entry["gw"] = .string(gateway.description) }
            return .object(entry)
        })
        object["dns"] = .object(dns ?? JSONObject())
        return .object(object)
    }

    /// This result after `previous` (chaining): the previous interfaces come first, so the indexes of
    /// this result's addresses move by their count; routes and DNS add up, ours last.
    func appended(to previous: CNIResult) -> CNIResult {
        var combined = previous
        let shift = previous.interfaces.count
        combined.interfaces += interfaces
        combined.ips += ips.map { ip in
            var moved = ip
            moved.interface = ip.interface.map { $0 + shift }
            return moved
        }
        combined.routes += routes.filter { !previous.routes.contains($0) }
        if combined.dns == nil || combined.dns?.count == 0 { combined.dns = dns }
        return combined
    }
}
