import NetAddress
import OrderedJSON

/// A refusal of an API call: the HTTP status and the text the client is shown.
///
/// Messages follow BaGPipe's wording exactly (bagpipe.md §3) so logs and scripts read the same; a VPN
/// service throws the factory that fits, e.g. `throw .vpnNotFound(id)`.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 400, 404 or 500.
    public let status: Int
    /// For 400: `API error: <message>`; for 500: the internal reason (logged; the client gets a generic text).
    public let detail: String

    public init(status: Int, detail: String) {
        self.status = status
        self.detail = detail
    }

    public var description: String { "\(status) \(detail)" }

    /// A validation failure: 400 with `API error: <message>` (BaGPipe's `APIException`).
    public static func invalid(_ message: String) -> APIError {
        APIError(status: 400, detail: "API error: \(message)")
    }

    /// An unexpected failure: 500; `reason` is logged, the client sees BaGPipe's generic sentence.
    public static func internalError(_ reason: String) -> APIError {
        APIError(status: 500, detail: reason)
    }

    /// The body was empty or not JSON (no `API error:` prefix, as in BaGPipe).
    public static let noLocalPortDetails = APIError(status: 400, detail: "No local port details received")

    public static func missingParameter(_ name: String) -> APIError { .invalid("Missing parameter: '\(name)'") }

    public static func noDataplaneDriver(for type: VPNType) -> APIError {
        .invalid("No dataplane driver for VPN type \(type.rawValue)")
    }

    public static func vpnNotFound(_ vpnInstanceID: String) -> APIError { .invalid("VPN \(vpnInstanceID) could not be found") }

    public static func vniInUse(_ vni: UInt32) -> APIError { .invalid("A VPN instance using vni \(vni) already exists.") }

    public static func unsupportedDirection(_ direction: Direction) -> APIError {
        .invalid("Unsupported direction: \(direction.rawValue)")
    }

    /// Detach of an endpoint that is not attached: `Endpoint ('<mac>', '<ip>') not plugged yet, can't unplug`.
    public static func endpointNotPlugged(mac: MACAddress, ip: IPPrefix?) -> APIError {
        let ipText = ip.map { JSONValue.string($0.description).pythonRepr } ?? "None"
        return .invalid("Endpoint (\(JSONValue.string(mac.description).pythonRepr), \(ipText)) not plugged yet, can't unplug")
    }

    /// An IP already attached with another MAC address.
    public static func ipBoundToAnotherMAC(ip: IPPrefix, mac: MACAddress, boundMACs: [MACAddress]) -> APIError {
        let bound = boundMACs.map { JSONValue.string($0.description).pythonRepr }.joined(separator: ", ")
        return .invalid("Inconsistent endpoint info: IP \(ip) already bound to a MAC address different from \(mac) ({\(bound)})")
    }

    /// A MAC address already attached through another local port.
    public static func macBoundToAnotherPort(previous: LocalPort, new: LocalPort) -> APIError {
        .invalid("Port information is not consistent. MAC address cannot be bound to two different ports. "
            + "Previous plug for port \(new.linuxInterface ?? "None") "
            + "(\(JSONValue.object(previous.json).pythonRepr) != \(JSONValue.object(new.json).pythonRepr))")
    }
}
