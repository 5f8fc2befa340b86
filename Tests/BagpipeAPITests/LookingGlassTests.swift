import OrderedJSON
import Testing
import HTTPServer
@testable import BagpipeAPI

@Suite struct LookingGlassTests {
    private func attached() -> APIHarness {
        let api = APIHarness()
        #expect(api.post("/attach_localport", attachBody(["description": ["port": "p1"], "instance_description": "net1"])).status == .ok)
        return api
    }

    @Test func rootShowsSummaryInlineAndLinksTheRest() throws {
        let root = try attached().json("/looking-glass")
        #expect(root.objectValue?.keys == ["summary", "config", "bgp", "vpns", "logs"])
        #expect(root.objectValue?["summary"]?.objectValue?["vpn_instances_count"] == 1)
        #expect(root.objectValue?["bgp"] == ["href": "http://127.0.0.1:8082/looking-glass/bgp"])
        #expect(root.objectValue?["logs"] == ["href": "http://127.0.0.1:8082/looking-glass/logs"])
        #expect(try attached().json("/looking-glass/") == root)
    }

    @Test func scalarsAreReachableByPath() throws {
        let api = attached()
        #expect(try api.json("/looking-glass/summary/vpn_instances_count") == 1)
        #expect(try api.json("/looking-glass/summary/route_counts/local_routes_count") == 2)
        #expect(try api.json("/looking-glass/config/API/port") == 8082)
    }

    @Test func collectionsListIdsWithLinks() throws {
        let api = attached()
        #expect(try api.json("/looking-glass/vpns/instances") == [[
            "id": "evpn-bagpipe-test", "name": "EVI-1", "description": "net1",
            "href": "http://127.0.0.1:8082/looking-glass/vpns/instances/evpn-bagpipe-test",
        ]])
        #expect(try api.json("/looking-glass/bgp/peers") == [["id": "192.0.2.1", "state": "Established",
                                                              "href": "http://127.0.0.1:8082/looking-glass/bgp/peers/192.0.2.1"]])
        #expect(try api.json("/looking-glass/bgp/peers/192.0.2.1/protocol/state") == "Established")
    }

    @Test func instanceShowsItsFieldsAndPorts() throws {
        let api = attached()
        let instance = try #require(try api.json("/looking-glass/vpns/instances/evpn-bagpipe-test").objectValue)
        #expect(instance["route_targets"] == ["import": ["target:64512:513"], "export": ["target:64512:513"]])
        #expect(instance["ports"] == ["href": "http://127.0.0.1:8082/looking-glass/vpns/instances/evpn-bagpipe-test/ports"])
        #expect(instance["self"] == ["href": "http://127.0.0.1:8082/looking-glass/vpns/instances/evpn-bagpipe-test"])
        let ports = try api.json("/looking-glass/vpns/instances/evpn-bagpipe-test/ports")
        #expect(ports == ["ns-test": ["endpoints": [["mac_address": "52:54:00:aa:bb:cc", "ip_address": "203.0.113.10/24",
                                                     "description": ["port": "p1"], "direction": "both"]]]])
    }

    @Test func linksFollowTheHostHeaderAndQuoteSegments() throws {
        let api = APIHarness()
        #expect(api.post("/attach_localport", attachBody(["vpn_instance_id": "my vpn/é"])).status == .ok)
        let response = api.call("GET", "/looking-glass/vpns/instances", headers: ["Host": "[::1]:9000"])
        let list = try JSONValue(parsing: response.body)
        #expect(list.arrayValue?.first?.objectValue?["href"] == "http://[::1]:9000/looking-glass/vpns/instances/my%20vpn/%C3%A9")
        let member = api.call("GET", "/looking-glass/vpns/instances/my%20vpn%2F%C3%A9/external_instance_id")
        #expect(text(member) == "\"my vpn/\\u00e9\"")
    }

    @Test(arguments: [
        ("/looking-glass/nope", "No such looking glass object: 'nope' at http://127.0.0.1:8082/looking-glass/nope"),
        ("/looking-glass/summary/nope", "No such looking glass object: 'nope' at http://127.0.0.1:8082/looking-glass/summary"),
        ("/looking-glass/summary/vpn_instances_count/x",
         "No such looking glass object: 'x' at http://127.0.0.1:8082/looking-glass/summary"),
        ("/looking-glass/vpns/instances/nope", "No such looking glass object: nope at http://127.0.0.1:8082/looking-glass/vpns/instances"),
        ("/looking-glass/vpns/nope", "No such looking glass object: 'nope' at http://127.0.0.1:8082/looking-glass/vpns/nope"),
        ("/looking-glass/bgp/peers/10.0.0.1/protocol", "No such looking glass object: 10.0.0.1 at http://127.0.0.1:8082/looking-glass/bgp/peers"),
        ("/looking-glass/vpns/instances/evpn-bagpipe-test/nope",
         "No such looking glass object: 'nope' at http://127.0.0.1:8082/looking-glass/vpns/instances/evpn-bagpipe-test/nope"),
    ])
    func unknownPathsAre404WithBaGPipesMessage(_ path: String, _ message: String) throws {
        let response = attached().call("GET", path, headers: ["Host": "127.0.0.1:8082", "Accept": "application/json"])
        #expect(response.status == .notFound)
        #expect(try JSONValue(parsing: response.body) == ["code": 404, "title": "Not Found", "description": .string(message)])
    }

    @Test func withoutHostTheServerAddressIsUsed() throws {
        let api = APIHarness()
        let response = api.handler.respond(to: HTTPRequest(method: "GET", target: "/looking-glass", version: .http1_0,
                                                           serverAddress: "127.0.0.1:8082"))
        #expect(try JSONValue(parsing: response.body).objectValue?["vpns"] == ["href": "http://127.0.0.1:8082/looking-glass/vpns"])
    }
}
