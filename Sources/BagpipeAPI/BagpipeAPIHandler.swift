import HTTPServer
import Logging
import OrderedJSON

/// BaGPipe's REST API on top of a `VPNService` (bagpipe.md §3–4): `/ping`, `/attach_localport`,
/// `/detach_localport`, `/looking-glass[/...]`, `/`. Pass `respond(to:)` to `HTTPServer` as its responder.
public final class BagpipeAPIHandler {
    private let service: VPNService
    private let pingSequence: Int64
    private let logger: Logger
    private var router = HTTPRouter(errorResponder: { request, status, allow in
        var response = ErrorPage.response(status, detail: "", for: request)
        if !allow.isEmpty { response.headers.set("Allow", allow.joined(separator: ", ")) }
        return response
    })

    public static let lookingGlassRoot = "looking-glass"

    public init(service: VPNService, pingSequence: Int64 = PingSequence.current,
                logger: Logger = Logger(label: "bagpipe.api")) {
        self.service = service
        self.pingSequence = pingSequence
        self.logger = logger
        let emptyObject: HTTPRouter.Handler = { _ in Self.json(.object([:])) }
        router.add("GET", .exact("/"), emptyObject)
        router.add(HTTPRouter.anyMethod, .exact("/ping")) { [pingSequence] _ in Self.json(.int(pingSequence)) }
        router.add("GET", .exact("/attach_localport"), emptyObject)
        router.add("POST", .exact("/attach_localport")) { [unowned self] in self.attach($0) }
        router.add("GET", .exact("/detach_localport"), emptyObject)
        router.add("POST", .exact("/detach_localport")) { [unowned self] in self.detach($0) }
        router.add("GET", .subtree("/" + Self.lookingGlassRoot)) { [unowned self] in self.lookingGlass($0) }
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        router.respond(to: request)
    }

    private func attach(_ request: HTTPRequest) -> HTTPResponse {
        do throws(APIError) {
            let attach = try AttachRequest(body: request.body, supportedTypes: service.supportedVPNTypes)
            logger.info("Local port attach received: \(Self.summary(attach.vpnType, attach.vpnInstanceID, attach.macAddress.description, attach.ipAddress, attach.localPort))")
            try service.attach(attach)
            return Self.json(.null)
        } catch {
            return failure(error, request, genericText: "An error occurred during local port plug to VPN")
        }
    }

    private func detach(_ request: HTTPRequest) -> HTTPResponse {
        do throws(APIError) {
            let detach = try DetachRequest(body: request.body, supportedTypes: service.supportedVPNTypes)
            logger.info("Local port detach received: \(Self.summary(detach.vpnType, detach.vpnInstanceID, detach.macAddress.description, detach.ipAddress, detach.localPort))")
            try service.detach(detach)
            return Self.json(.null)
        } catch {
            return failure(error, request, genericText: "An error occurred during local port unplug from VPN")
        }
    }

    private func lookingGlass(_ request: HTTPRequest) -> HTTPResponse {
        let context = LookingGlassContext(baseURL: "http://\(request.host)/\(Self.lookingGlassRoot)")
        let path = Array(request.pathSegments.dropFirst())
        do throws(LookingGlassNotFound) {
            return Self.json(try LookingGlassResolver.resolve(service.lookingGlass(context), path: path, context: context))
        } catch {
            logger.info("looking_glass: \(error.message)")
            return ErrorPage.response(.notFound, detail: error.message, for: request)
        }
    }

    private func failure(_ error: APIError, _ request: HTTPRequest, genericText: String) -> HTTPResponse {
        switch error.status {
        case 400..<500:
            logger.warning("\(request.path): \(error.detail)")
            return ErrorPage.response(HTTPStatus(code: error.status), detail: error.detail, for: request)
        default:
            logger.error("\(request.path): \(genericText): \(error.detail)")
            return ErrorPage.response(.internalServerError, detail: genericText, for: request)
        }
    }

    /// `evpn evpn-bagpipe-test: 52:54:00:11:22:33 203.0.113.10/24 on {"linuxif": "ns-x"}` for the log.
    private static func summary(_ type: VPNType, _ id: String, _ mac: String, _ ip: (some CustomStringConvertible)?,
                                _ port: LocalPort) -> String {
        "\(type.rawValue) \(id): \(mac) \(ip.map { "\($0)" } ?? "(any IP)") on \(JSONValue.object(port.json).serialized())"
    }

    static func json(_ value: JSONValue) -> HTTPResponse {
        HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: value.serializedBytes())
    }
}
