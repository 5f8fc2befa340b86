import BagpipeAPI
import Foundation
import HTTPServer
import NetAddress
import OrderedJSON

/// Where the bagpipe-bgp REST API listens: `http://HOST:PORT` (default `http://127.0.0.1:8082`, the
/// daemon's default `[API]`), or a Unix socket given as `unix:PATH`, `unix://PATH` or a bare
/// absolute path.
public enum DaemonAddress: Equatable, Sendable, CustomStringConvertible {
    case tcp(host: String, port: UInt16)
    case unix(path: String)

    public static let `default` = DaemonAddress.tcp(host: "127.0.0.1", port: APIConfigFile.defaultPort)

    public init?(_ text: String) {
        if text.hasPrefix("/") {
            self = .unix(path: text)
        } else if text.hasPrefix("unix:") {
            let path = String(text.dropFirst("unix:".count).drop { $0 == "/" })
            guard !path.isEmpty else { return nil }
            self = .unix(path: "/" + path)
        } else if text.hasPrefix("http://") {
            var authority = text.dropFirst("http://".count)
            if authority.hasSuffix("/") { authority = authority.dropLast() }
            guard !authority.contains("/"), let colon = authority.lastIndex(of: ":"),
                  let port = UInt16(authority[authority.index(after: colon)...]), port != 0 else { return nil }
            var host = authority[..<colon]
            if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
            guard !host.isEmpty else { return nil }
            self = .tcp(host: String(host), port: port)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
        case .unix(let path): "unix:\(path)"
        }
    }
}

/// One endpoint the daemon's looking glass lists under an instance's `ports`.
struct DaemonEndpoint: Equatable {
    var port: String
    var mac: MACAddress
    var ip: IPPrefix?
    var description: String?
}

/// What an attach names besides the endpoint: the instance, its route targets (`ASN:NN`) and its
/// VNI when pinned.
struct InstanceTarget: Equatable {
    var id: String
    var importRouteTargets: [String]
    var exportRouteTargets: [String]
    var vni: UInt32?
}

/// The daemon's REST API as the plugin uses it: attach and detach (BaGPipe JSON, bagpipe.md §3),
/// `/ping`, and what the looking glass shows of instances, their ports and the attachments waiting
/// for their interface. One connection per request.
struct DaemonClient {
    var address: DaemonAddress
    var timeout: Double = 30

    /// Why a request did not succeed: the daemon did not answer (`unreachable`), or answered with
    /// an error status.
    enum Failure: Error {
        case unreachable(String)
        case status(Int, String)
    }

    func attach(_ body: JSONObject) throws(Failure) { try post("/attach_localport", body) }

    func detach(_ body: JSONObject) throws(Failure) { try post("/detach_localport", body) }

    /// The daemon answers `/ping`.
    func ping() throws(Failure) {
        let response = try request("GET", "/ping")
        guard response.status.code == 200 else { throw .status(response.status.code, response.bodyText) }
    }

    /// The endpoints of instance `id` (none when the daemon has no such instance).
    func endpoints(instance id: String) throws(Failure) -> [DaemonEndpoint] {
        var result: [DaemonEndpoint] = []
        for (port, value) in try lookingGlass(["vpns", "instances", id, "ports"])?.objectValue ?? JSONObject() {
            for endpoint in value.objectValue?["endpoints"]?.arrayValue ?? [] {
                guard let fields = endpoint.objectValue, let mac = fields["mac_address"]?.stringValue.flatMap(MACAddress.init) else { continue }
                result.append(DaemonEndpoint(port: port, mac: mac, ip: fields["ip_address"]?.stringValue.flatMap(IPPrefix.init),
                                             description: fields["description"]?.stringValue))
            }
        }
        return result
    }

    /// The attachments of instance `id` that the daemon restored from its state file but holds back
    /// until their interface appears (none from a daemon without a state file).
    func waitingEndpoints(instance id: String) throws(Failure) -> [DaemonEndpoint] {
        (try lookingGlass(["state", "state_file", "waiting_for_interface"])?.arrayValue ?? []).compactMap { item in
            guard let fields = item.objectValue, fields["vpn_instance_id"]?.stringValue == id,
                  let port = fields["local_port"]?.stringValue,
                  let mac = fields["mac_address"]?.stringValue.flatMap(MACAddress.init) else { return nil }
            return DaemonEndpoint(port: port, mac: mac, ip: fields["ip_address"]?.stringValue.flatMap(IPPrefix.init), description: nil)
        }
    }

    /// `GET /looking-glass/<path>` (each segment percent-encoded), parsed; nil for a 404.
    private func lookingGlass(_ path: [String]) throws(Failure) -> JSONValue? {
        let target = "/looking-glass/" + path.map { urlQuote($0).replacingOccurrences(of: "/", with: "%2F") }.joined(separator: "/")
        let response = try request("GET", target, accept: "application/json")
        if response.status.code == 404 { return nil }
        guard response.status.code == 200 else { throw .status(response.status.code, response.bodyText) }
        guard let value = try? JSONValue(parsing: response.body) else {
            throw .status(response.status.code, "the looking glass did not answer JSON: \(response.bodyText.prefix(200))")
        }
        return value
    }

    private func post(_ path: String, _ body: JSONObject) throws(Failure) {
        let response = try request("POST", path, accept: "application/json", body: JSONValue.object(body).serializedBytes(.compact))
        guard response.status.code == 200 else { throw .status(response.status.code, Self.reason(response)) }
    }

    /// The daemon's reason: `description` of its JSON error body, else the body.
    private static func reason(_ response: HTTPClientResponse) -> String {
        (try? JSONValue(parsing: response.body))?.objectValue?["description"]?.stringValue ?? response.bodyText
    }

    private func request(_ method: String, _ target: String, accept: String? = nil, body: [UInt8] = []) throws(Failure) -> HTTPClientResponse {
        var headers: HTTPHeaders = [:]
        if let accept { headers.add("Accept", accept) }
        if !body.isEmpty { headers.add("Content-Type", "application/json") }
        do {
            let client = switch address {
            case .tcp(let host, let port): try BlockingHTTPClient(host: host, port: port, timeout: timeout)
            case .unix(let path): try BlockingHTTPClient(unixSocketPath: path, timeout: timeout)
            }
            return try client.request(method, target, headers: headers, body: body)
        } catch {
            throw .unreachable("no bagpipe-bgp REST API at \(address): \(error)")
        }
    }
}
