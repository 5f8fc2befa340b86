import OrderedJSON
import Testing
import HTTPServer
@testable import BagpipeAPI

/// The API without sockets: requests go straight to the handler.
struct APIHarness {
    let service = FakeVPNService()
    let handler: BagpipeAPIHandler

    init(pingSequence: Int64 = 1234567890123) {
        handler = BagpipeAPIHandler(service: service, pingSequence: pingSequence)
    }

    func call(_ method: String, _ target: String, body: String = "", headers: HTTPHeaders = ["Host": "127.0.0.1:8082"]) -> HTTPResponse {
        handler.respond(to: HTTPRequest(method: method, target: target, headers: headers, body: Array(body.utf8)))
    }

    func post(_ target: String, _ body: JSONObject, accept: String? = nil) -> HTTPResponse {
        var headers: HTTPHeaders = ["Host": "127.0.0.1:8082", "Content-Type": "application/json"]
        if let accept { headers.add("Accept", accept) }
        return call("POST", target, body: JSONValue.object(body).serialized(), headers: headers)
    }

    func json(_ target: String) throws -> JSONValue {
        let response = call("GET", target)
        #expect(response.status == .ok, "\(target): \(text(response))")
        return try JSONValue(parsing: response.body)
    }
}

func text(_ response: HTTPResponse) -> String { String(decoding: response.body, as: UTF8.self) }

@Suite struct BagpipeAPIHandlerTests {
    @Test func pingReturnsTheSequenceForAnyMethod() {
        let api = APIHarness()
        for method in ["GET", "POST"] {
            let response = api.call(method, "/ping")
            #expect(response.status == .ok)
            #expect(response.headers["Content-Type"] == "application/json")
            #expect(text(response) == "1234567890123")
        }
    }

    @Test func processSequenceIsAtLeastTwoDigitsNeverZeroOrMinusOne() {
        #expect(PingSequence.current >= 1_000_000_000)
        #expect(PingSequence.current == PingSequence.current)
        #expect(PingSequence.current < 1 << 53)
        #expect(Set((0..<20).map { _ in PingSequence.random() }).count > 1)
    }

    @Test func attachAndDetachReturnNull() throws {
        let api = APIHarness()
        let attach = api.post("/attach_localport", attachBody())
        #expect(attach.status == .ok)
        #expect(attach.headers["Content-Type"] == "application/json")
        #expect(text(attach) == "null")
        #expect(api.service.instances["evpn-bagpipe-test"]?.endpoints.count == 1)
        let detach = api.post("/detach_localport", attachBody())
        #expect(detach.status == .ok)
        #expect(text(detach) == "null")
        #expect(api.service.instances.isEmpty)
    }

    @Test func getOnAttachDetachAndRootGivesEmptyObject() {
        let api = APIHarness()
        for path in ["/", "/attach_localport", "/detach_localport"] {
            let response = api.call("GET", path)
            #expect(response.status == .ok)
            #expect(text(response) == "{}")
        }
    }

    @Test func wrongMethodsAre405WithAllow() {
        let api = APIHarness()
        for (method, path, allow) in [("PUT", "/attach_localport", "GET, HEAD, POST"), ("DELETE", "/detach_localport", "GET, HEAD, POST"),
                                      ("POST", "/", "GET, HEAD"), ("POST", "/looking-glass/summary", "GET, HEAD")] {
            let response = api.call(method, path)
            #expect(response.status == .methodNotAllowed, "\(method) \(path)")
            #expect(response.headers["Allow"] == allow)
        }
    }

    @Test func unknownPathIs404() {
        let response = APIHarness().call("GET", "/nope")
        #expect(response.status == .notFound)
        #expect(text(response) == "404 Not Found\n\nThe resource could not be found.\n\n   ")
    }

    @Test func validationErrorIsPlainTextByDefault() {
        let response = APIHarness().post("/attach_localport", attachBody(["mac_address": "gg:gg"]))
        #expect(response.status == .badRequest)
        #expect(response.headers["Content-Type"] == "text/plain; charset=UTF-8")
        #expect(text(response) == "400 Bad Request\n\nThe server could not comply with the request since it is either malformed "
            + "or otherwise incorrect.\n\n API error: MAC address gg:gg is not valid  ")
    }

    @Test func validationErrorIsJSONWhenAccepted() throws {
        let response = APIHarness().post("/attach_localport", attachBody(["vpn_type": nil]), accept: "application/json")
        #expect(response.status == .badRequest)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(try JSONValue(parsing: response.body) == ["code": 400, "title": "Bad Request", "description": "API error: missing instance_type"])
    }

    @Test func emptyOrNonJSONBodyIsNoLocalPortDetails() throws {
        let api = APIHarness()
        for body in ["", "{", "garbage"] {
            let response = api.call("POST", "/attach_localport", body: body, headers: ["Accept": "application/json"])
            #expect(response.status == .badRequest)
            #expect(try JSONValue(parsing: response.body).objectValue?["description"] == "No local port details received")
        }
    }

    @Test func serviceConflictsAre400WithBaGPipesMessages() throws {
        let api = APIHarness()
        #expect(api.post("/attach_localport", attachBody()).status == .ok)
        #expect(api.post("/attach_localport", attachBody()).status == .ok, "re-attach is idempotent")
        let otherMAC = api.post("/attach_localport", attachBody(["mac_address": "52:54:00:00:00:99", "local_port": "tap9"]),
                                accept: "application/json")
        #expect(otherMAC.status == .badRequest)
        #expect(try JSONValue(parsing: otherMAC.body).objectValue?["description"] == .string(
            "API error: Inconsistent endpoint info: IP 203.0.113.10/24 already bound to a MAC address different from "
                + "52:54:00:00:00:99 ({'52:54:00:aa:bb:cc'})"))
        let otherPort = api.post("/attach_localport", attachBody(["local_port": "tap2"]), accept: "application/json")
        #expect(try JSONValue(parsing: otherPort.body).objectValue?["description"] == .string(
            "API error: Port information is not consistent. MAC address cannot be bound to two different ports. "
                + "Previous plug for port tap2 ({'linuxif': 'ns-test'} != {'linuxif': 'tap2'})"))
        let duplicateVNI = api.post("/attach_localport", attachBody(["vpn_instance_id": "v2", "vni": 1]), accept: "application/json")
        #expect(try JSONValue(parsing: duplicateVNI.body).objectValue?["description"] == "API error: A VPN instance using vni 1 already exists.")
        let direction = api.post("/attach_localport", attachBody(["direction": "to-port"]), accept: "application/json")
        #expect(try JSONValue(parsing: direction.body).objectValue?["description"] == "API error: Unsupported direction: to-port")
    }

    @Test func detachErrorsAre400WithBaGPipesMessages() throws {
        let api = APIHarness()
        let unknown = api.post("/detach_localport", attachBody(["vpn_instance_id": "nope"]), accept: "application/json")
        #expect(unknown.status == .badRequest)
        #expect(try JSONValue(parsing: unknown.body).objectValue?["description"] == "API error: VPN nope could not be found")
        #expect(api.post("/attach_localport", attachBody()).status == .ok)
        let notPlugged = api.post("/detach_localport", attachBody(["ip_address": "203.0.113.11/24"]), accept: "application/json")
        #expect(try JSONValue(parsing: notPlugged.body).objectValue?["description"]
            == "API error: Endpoint ('52:54:00:aa:bb:cc', '203.0.113.11/24') not plugged yet, can't unplug")
        let wildcard = api.post("/detach_localport", attachBody(["ip_address": nil, "mac_address": "52:54:00:00:00:01"]), accept: "application/json")
        #expect(try JSONValue(parsing: wildcard.body).objectValue?["description"]
            == "API error: Endpoint ('52:54:00:00:00:01', None) not plugged yet, can't unplug")
    }

    @Test func internalErrorsAre500WithTheGenericSentence() {
        let api = APIHarness()
        api.service.failNextAttach = "driver exploded"
        let response = api.post("/attach_localport", attachBody())
        #expect(response.status == .internalServerError)
        #expect(text(response).hasSuffix("\n\n An error occurred during local port plug to VPN  "))
        #expect(!text(response).contains("exploded"))
    }

    @Test func ipvpnIsRefusedClearly() throws {
        let response = APIHarness().post("/attach_localport", attachBody(["vpn_type": "ipvpn"]), accept: "application/json")
        #expect(response.status == .badRequest)
        #expect(try JSONValue(parsing: response.body).objectValue?["description"] == "API error: No dataplane driver for VPN type ipvpn")
    }

    @Test func headGetsNoBodyFromTheServerButSameHandler() {
        #expect(APIHarness().call("HEAD", "/ping").status == .ok)
    }
}
