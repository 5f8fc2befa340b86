import OrderedJSON
import Testing
import NetAddress
@testable import BagpipeAPI

/// A valid attach body (what BaGPipe's `bagpipe-rest-attach --attach --network-type evpn` sends), with changes.
func attachBody(_ changes: [String: JSONValue?] = [:]) -> JSONObject {
    var body: JSONObject = [
        "import_rt": ["64512:513"], "export_rt": ["64512:513"], "local_port": ["linuxif": "ns-test"],
        "vpn_instance_id": "evpn-bagpipe-test", "vpn_type": "evpn", "gateway_ip": "203.0.113.254",
        "mac_address": "52:54:00:aa:bb:cc", "ip_address": "203.0.113.10/24", "advertise_subnet": false,
        "readvertise": nil, "attract_traffic": [:], "lb_consistent_hash_order": 0, "vni": 0, "direction": "both",
    ]
    for (key, value) in changes { body[key] = value }
    return body
}

func validateAttach(_ body: JSONObject, supported: Set<VPNType> = [.evpn]) -> Result<AttachRequest, APIError> {
    Result { () throws(APIError) in try AttachRequest(parameters: body, supportedTypes: supported) }
}

/// Attach bodies that BaGPipe rejects, with its own messages (bagpipe.md §3), in its order of checks.
let attachValidationCases: [([String: JSONValue?], String)] = [
    (["vpn_type": nil], "API error: missing instance_type"),
    (["vpn_type": "foo"], "API error: unknown vpn_type: foo"),
    (["vpn_type": 5], "API error: unknown vpn_type: 5"),
    (["vpn_type": "ipvpn"], "API error: No dataplane driver for VPN type ipvpn"),
    (["vpn_instance_id": nil], "API error: Missing parameter: 'vpn_instance_id'"),
    (["vpn_instance_id": .null], "API error: Missing parameter: 'vpn_instance_id'"),
    (["mac_address": nil], "API error: Missing parameter: 'mac_address'"),
    (["local_port": nil], "API error: Missing parameter: 'local_port'"),
    (["import_rt": nil], "API error: Missing parameter: 'import_rt'"),
    (["export_rt": nil], "API error: Missing parameter: 'export_rt'"),
    (["export_rt": nil, "mac_address": nil], "API error: Missing parameter: 'mac_address'"),
    (["local_port": ["ovs": ["plugged": true]]], "API error: Mandatory key is missing in local_port parameter (linuxif, or evpn)"),
    (["local_port": 7], "API error: Mandatory key is missing in local_port parameter (linuxif, or evpn)"),
    (["mac_address": "gg:gg"], "API error: MAC address gg:gg is not valid"),
    (["mac_address": 12], "API error: MAC address 12 is not valid"),
    (["ip_address": "257.1.1"], "API error: IP address 257.1.1 is not valid"),
    (["ip_address": "10.0.0.1/33"], "API error: IP address 10.0.0.1/33 is not valid"),
    (["advertise_subnet": "yes"], "API error: 'advertise_subnet' must be a boolean"),
    (["advertise_subnet": .null], "API error: 'advertise_subnet' must be a boolean"),
    (["direction": "sideways"], "API error: direction should be one of: both, to-port, from-port"),
    (["import_rt": ["bad"]], "API error: Malformed route target: 'bad'"),
    (["export_rt": "64512:1,bad"], "API error: Malformed route target: 'bad'"),
    (["import_rt": ["64512:x"]], "API error: Malformed route target: '64512:x'"),
    (["import_rt": [5]], "API error: Malformed route target: '5'"),
    (["import_rt": ["70000:70000"]], "API error: Malformed route target: '70000:70000'"),
    (["import_rt": 5], "API error: 'import_rt' must be a list of route targets or a comma-separated string"),
    (["readvertise": ["to_rt": ["64512:1"]]], "API error: Wrong 'readvertise' parameters: 'from_rt'"),
    (["readvertise": ["from_rt": ["64512:1"]]], "API error: Wrong 'readvertise' parameters: 'to_rt'"),
    (["attract_traffic": ["classifier": [:]]], "API error: Wrong 'attract_traffic' parameters: 'redirect_rts'"),
    (["gateway_ip": "nope"], "API error: IP address nope is not valid"),
    (["vni": 16_777_216], "API error: 'vni' must be an integer between 0 and 16777215"),
    (["vni": "5000"], "API error: 'vni' must be an integer between 0 and 16777215"),
    (["local_pref": -1], "API error: 'local_pref' must be an integer between 0 and 4294967295"),
    (["lb_consistent_hash_order": true], "API error: 'lb_consistent_hash_order' must be an integer between 0 and 4294967295"),
    (["linuxbr": 1], "API error: 'linuxbr' must be a string"),
    (["vpn_instance_id": ""], "API error: 'vpn_instance_id' must be a non-empty string"),
    (["local_port": ["linuxif": 5]], "API error: 'linuxif' in local_port must be a string"),
    (["local_port": ["evpn": ["id": "x"]]], "API error: local_port must name a Linux interface ('linuxif') for an evpn attachment"),
    (["advertise_subnet": true], "API error: 'advertise_subnet' cannot be used with evpn for the non-host prefix 203.0.113.10/24"),
]

@Suite struct AttachRequestTests {
    @Test func readsTheRestAttachBodyWithDefaults() throws {
        let request = try validateAttach(attachBody()).get()
        #expect(request.vpnType == .evpn)
        #expect(request.vpnInstanceID == "evpn-bagpipe-test")
        #expect(request.macAddress == MACAddress("52:54:00:aa:bb:cc"))
        #expect(request.localPort.linuxInterface == "ns-test")
        #expect(request.importRouteTargets == [APIRouteTarget("64512:513")!])
        #expect(request.ipAddress == IPPrefix("203.0.113.10/24"))
        #expect(request.gatewayIP == IPAddress("203.0.113.254"))
        #expect(request.advertiseSubnet == false)
        #expect(request.vni == nil)
        #expect(request.direction == .both)
        #expect(request.localPreference == nil)
        #expect(request.readvertise == nil)
        #expect(request.attractTraffic == nil)
        #expect(request.linuxBridge == nil)
    }

    @Test func minimalBodyGetsBaGPipeDefaults() throws {
        let request = try validateAttach(["vpn_type": "evpn", "vpn_instance_id": "v", "mac_address": "52:54:00:00:00:01",
                                          "local_port": "tap1", "import_rt": "64512:1", "export_rt": "64512:1"]).get()
        #expect(request.localPort == LocalPort(linuxInterface: "tap1"))
        #expect(request.ipAddress == nil)
        #expect(request.gatewayIP == nil)
        #expect(!request.advertiseSubnet)
        #expect(request.direction == .both)
        #expect(request.lbConsistentHashOrder == 0)
    }

    @Test func acceptsAlternativeShapes() throws {
        let request = try validateAttach(attachBody([
            "import_rt": "64512:1,64512:2, 64512:1,,64512:3 ", "export_rt": ["64512:9", "", "64512:9"],
            "ip_address": "203.0.113.10", "vni": 5000, "local_pref": 200, "linuxbr": "br-x", "direction": nil,
            "description": ["port": "abc"], "instance_description": "net 1", "unknown_key": [1, 2], "network_id": "n",
            "mac_address": "52-54-00-AA-BB-CC", "readvertise": ["from_rt": ["64512:7"], "to_rt": "64512:8"],
        ])).get()
        #expect(request.importRouteTargets.map(\.description) == ["64512:1", "64512:2", "64512:3"])
        #expect(request.exportRouteTargets.map(\.description) == ["64512:9"])
        #expect(request.ipAddress == IPPrefix("203.0.113.10/32"))
        #expect(request.vni == 5000)
        #expect(request.localPreference == 200)
        #expect(request.linuxBridge == "br-x")
        #expect(request.direction == .both)
        #expect(request.description == ["port": "abc"])
        #expect(request.instanceDescription == "net 1")
        #expect(request.macAddress == MACAddress("52:54:00:aa:bb:cc"))
        #expect(request.readvertise == .init(fromRouteTargets: [APIRouteTarget("64512:7")!], toRouteTargets: [APIRouteTarget("64512:8")!]))
    }

    @Test func acceptsNetaddrMACFormsAndIPv6() throws {
        for mac in ["525400aabbcc", "5254.00aa.bbcc", "52:54:0:aa:bb:cc"] {
            #expect((try? validateAttach(attachBody(["mac_address": .string(mac)])).get())?.macAddress.rawValue != nil, "\(mac)")
        }
        let v6 = try validateAttach(attachBody(["ip_address": "2001:db8::10"])).get()
        #expect(v6.ipAddress == IPPrefix("2001:db8::10/128"))
    }

    @Test func localPortObjectIsKeptWhole() throws {
        let port: JSONValue = ["linuxif": "patch2tun:5", "vlan": 5, "ovs": ["plugged": true, "port_number": 3]]
        let request = try validateAttach(attachBody(["local_port": port])).get()
        #expect(JSONValue.object(request.localPort.json) == port)
        #expect(request.localPort.linuxInterface == "patch2tun:5")
    }

    @Test(arguments: attachValidationCases)
    func rejectsWithBaGPipesMessage(_ changes: [String: JSONValue?], _ message: String) {
        #expect(validateAttach(attachBody(changes)) == .failure(APIError(status: 400, detail: message)))
    }

    @Test func ipvpnNeedsGatewayIPWhenSupported() {
        let body = attachBody(["vpn_type": "ipvpn", "gateway_ip": nil])
        #expect(validateAttach(body, supported: [.evpn, .ipvpn]) == .failure(.missingParameter("gateway_ip")))
        #expect((try? validateAttach(attachBody(["vpn_type": "ipvpn"]), supported: [.ipvpn]).get())?.vpnType == .ipvpn)
    }

    @Test func bodyThatIsNotAJSONObject() {
        for body in ["", "not json", "{\"a\":", "\u{FF}"] {
            #expect(Result { () throws(APIError) in try AttachRequest(body: Array(body.utf8), supportedTypes: [.evpn]) }
                == .failure(.noLocalPortDetails))
        }
        for body in ["[]", "null", "5", "\"x\""] {
            #expect(Result { () throws(APIError) in try AttachRequest(body: Array(body.utf8), supportedTypes: [.evpn]) }
                == .failure(.invalid("the request body must be a JSON object")))
        }
    }

    @Test func routeTargetForms() {
        #expect(APIRouteTarget("64512:80")?.description == "64512:80")
        #expect(APIRouteTarget(" 64512 : 4294967295 ")?.number == 4_294_967_295)
        #expect(APIRouteTarget("4200000000:80")?.hasFourByteASN == true)
        #expect(APIRouteTarget("4200000000:65536") == nil)
        #expect(APIRouteTarget("1:2:3") == nil)
        #expect(APIRouteTarget(":2") == nil)
        #expect(APIRouteTarget("-1:2") == nil)
        #expect(APIRouteTarget("64 512:1") == nil)
        #expect(APIRouteTarget("64512:99999999999") == nil)
    }
}

@Suite struct DetachRequestTests {
    @Test func readsTheRestAttachDetachBody() throws {
        let request = try DetachRequest(parameters: attachBody(), supportedTypes: [.evpn])
        #expect(request.vpnInstanceID == "evpn-bagpipe-test")
        #expect(request.ipAddress == IPPrefix("203.0.113.10/24"))
        #expect(request.localPort.linuxInterface == "ns-test")
    }

    @Test func needsOnlyTheFirstFourFields() throws {
        let request = try DetachRequest(parameters: ["vpn_type": "evpn", "vpn_instance_id": "v", "mac_address": "52:54:00:00:00:01",
                                                     "local_port": ["linuxif": "tap1"]], supportedTypes: [.evpn])
        #expect(request.ipAddress == nil)
    }

    @Test(arguments: [
        (["vpn_type": nil], "API error: missing instance_type"),
        (["vpn_instance_id": nil], "API error: Missing parameter: 'vpn_instance_id'"),
        (["mac_address": nil], "API error: Missing parameter: 'mac_address'"),
        (["local_port": nil], "API error: Missing parameter: 'local_port'"),
        (["local_port": [:]], "API error: Mandatory key is missing in local_port parameter (linuxif, or evpn)"),
        (["mac_address": "x"], "API error: MAC address x is not valid"),
        (["ip_address": "x"], "API error: IP address x is not valid"),
        (["advertise_subnet": 1], "API error: 'advertise_subnet' must be a boolean"),
    ] as [([String: JSONValue?], String)])
    func rejectsWithBaGPipesMessage(_ changes: [String: JSONValue?], _ message: String) {
        let result = Result { () throws(APIError) in try DetachRequest(parameters: attachBody(changes), supportedTypes: [.evpn]) }
        #expect(result == .failure(APIError(status: 400, detail: message)))
    }

    @Test func importRTIsNotNeededAndNotChecked() throws {
        _ = try DetachRequest(parameters: attachBody(["import_rt": nil, "export_rt": nil]), supportedTypes: [.evpn])
    }
}
