import NetAddress
import OrderedJSON

/// The checks shared by attach and detach, in BaGPipe's order (`VPNManager._check_instance_type`, then
/// `VPNInstance.validate_convert_params`), with its messages. `null` counts as absent for optional fields and
/// as missing for mandatory ones.
struct RequestValidation {
    let parameters: JSONObject

    /// Reads a request body: empty or not JSON gives BaGPipe's `No local port details received`.
    static func parameters(fromBody body: [UInt8]) throws(APIError) -> JSONObject {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: body)
        } catch {
            throw .noLocalPortDetails
        }
        // BaGPipe answers a non-object with 500 (a TypeError); a 400 that says why is kinder.
        guard case .object(let object) = json else { throw .invalid("the request body must be a JSON object") }
        return object
    }

    func present(_ name: String) -> JSONValue? {
        guard let value = parameters[name], value != .null else { return nil }
        return value
    }

    func vpnType(supported: Set<VPNType>) throws(APIError) -> VPNType {
        guard let value = parameters["vpn_type"] else { throw .invalid("missing instance_type") }
        guard let name = value.stringValue, let type = VPNType(rawValue: name) else {
            throw .invalid("unknown vpn_type: \(value.pythonString)")
        }
        guard supported.contains(type) else { throw .noDataplaneDriver(for: type) }
        return type
    }

    func requireParameters(_ names: [String]) throws(APIError) {
        for name in names where present(name) == nil { throw .missingParameter(name) }
    }

    func vpnInstanceID() throws(APIError) -> String {
        guard let id = present("vpn_instance_id")?.stringValue, !id.isEmpty else {
            throw .invalid("'vpn_instance_id' must be a non-empty string")
        }
        return id
    }

    func localPort() throws(APIError) -> LocalPort {
        let port: LocalPort
        switch present("local_port") {
        case .string(let name)?: port = LocalPort(linuxInterface: name)
        case .object(let object)? where object["linuxif"] != nil || object["evpn"] != nil: port = LocalPort(json: object)
        default: throw .invalid("Mandatory key is missing in local_port parameter (linuxif, or evpn)")
        }
        if let linuxif = port.json["linuxif"], linuxif.stringValue == nil {
            throw .invalid("'linuxif' in local_port must be a string")
        }
        return port
    }

    func macAddress() throws(APIError) -> MACAddress {
        let value = present("mac_address") ?? .null
        guard let text = value.stringValue, let mac = MACAddress(text) ?? Self.macWithoutSeparators(text) else {
            throw .invalid("MAC address \(value.pythonString) is not valid")
        }
        return mac
    }

    /// `ip_address`: `a.b.c.d/len`, or a bare address taken as a host prefix (/32, /128).
    func ipAddress() throws(APIError) -> IPPrefix? {
        guard let value = present("ip_address") else { return nil }
        guard let text = value.stringValue, let prefix = IPPrefix(text) else {
            throw .invalid("IP address \(value.pythonString) is not valid")
        }
        return prefix
    }

    func advertiseSubnet() throws(APIError) -> Bool {
        guard let value = parameters["advertise_subnet"] else { return false }
        guard let flag = value.boolValue else { throw .invalid("'advertise_subnet' must be a boolean") }
        return flag
    }

    /// `direction`: anything false (absent, null, "") means `both`.
    func direction() throws(APIError) -> Direction {
        guard let value = parameters["direction"], value.isTruthy else { return .both }
        guard let name = value.stringValue, let direction = Direction(rawValue: name) else {
            throw .invalid("direction should be one of: " + Direction.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return direction
    }

    /// A list of `ASN:NN` strings or one comma-separated string (split like `re.split(',+ *')`);
    /// empty entries skipped, duplicates dropped keeping the first.
    func routeTargets(_ name: String) throws(APIError) -> [APIRouteTarget] {
        try Self.routeTargets(present(name) ?? .array([]), field: name)
    }

    static func routeTargets(_ value: JSONValue, field name: String) throws(APIError) -> [APIRouteTarget] {
        let entries: [JSONValue]
        switch value {
        case .string(let text): entries = text.split(separator: ",").map { .string(String($0)) }
        case .array(let list): entries = list
        default: throw .invalid("'\(name)' must be a list of route targets or a comma-separated string")
        }
        var result: [APIRouteTarget] = []
        for entry in entries {
            if let text = entry.stringValue, text.allSatisfy({ $0 == " " }) { continue }
            guard let text = entry.stringValue, let routeTarget = APIRouteTarget(text) else {
                throw .invalid("Malformed route target: '\(entry.pythonString)'")
            }
            if !result.contains(routeTarget) { result.append(routeTarget) }
        }
        return result
    }

    func optionalString(_ name: String) throws(APIError) -> String? {
        guard let value = present(name) else { return nil }
        guard let text = value.stringValue else { throw .invalid("'\(name)' must be a string") }
        return text
    }

    func optionalInteger(_ name: String, in range: ClosedRange<Int64>) throws(APIError) -> Int64? {
        guard let value = present(name) else { return nil }
        guard let number = value.intValue, range.contains(number) else {
            throw .invalid("'\(name)' must be an integer between \(range.lowerBound) and \(range.upperBound)")
        }
        return number
    }

    func optionalObject(_ name: String) throws(APIError) -> JSONObject? {
        guard let value = present(name), value.isTruthy else { return nil }
        guard let object = value.objectValue else { throw .invalid("'\(name)' must be an object") }
        return object
    }

    /// netaddr's bare (`525400aabbcc`) and Cisco (`5254.00aa.bbcc`) forms.
    private static func macWithoutSeparators(_ text: String) -> MACAddress? {
        let digits = text.count == 14 && text.split(separator: ".", omittingEmptySubsequences: false).map(\.count) == [4, 4, 4]
            ? text.filter { $0 != "." } : text
        guard digits.count == 12, digits.allSatisfy(\.isHexDigit), let value = UInt64(digits, radix: 16) else { return nil }
        return MACAddress(rawValue: value)
    }
}
