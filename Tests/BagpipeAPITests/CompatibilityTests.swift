import Foundation
import OrderedJSON
import Testing
@testable import BagpipeAPI

/// The exact bodies BaGPipe's own clients send, sent the way they send them, checked in the looking glass.
@Suite struct CompatibilityTests {
    /// Posts each `(path, body)` from Python as `bagpipe-rest-attach` does (urllib, `Content-Type` only) and prints
    /// `response: <code> <body>` like the tool; `agent` sends with the Neutron agent's headers instead.
    private static let postScript = #"""
    import json, sys, urllib.request, urllib.error
    base, mode, calls = sys.argv[1], sys.argv[2], json.load(sys.stdin)
    for path, data in calls:
        json_data = json.dumps(data).encode('utf-8')
        headers = {'Content-Type': 'application/json'}
        if mode == 'agent':
            headers.update({'User-Agent': 'BaGPipe agent', 'Accept': 'application/json'})
        req = urllib.request.Request("%s/%s" % (base, path), json_data, headers)
        try:
            response = urllib.request.urlopen(req)
            print("response: %d %s" % (response.getcode(), response.read().decode()))
        except urllib.error.HTTPError as e:
            print("error %d: %s" % (e.code, e.read().decode()))
    """#

    private func post(_ server: APIServer, _ calls: [(String, String)], mode: String = "rest-attach") throws -> [String] {
        // Bodies are given as Python literals, exactly as the clients build them.
        let literal = "[" + calls.map { "[\"\($0.0)\", \($0.1)]" }.joined(separator: ", ") + "]"
        let toJSON = try python("import json, sys; print(json.dumps(eval(sys.stdin.read())))", input: Array(literal.utf8))
        #expect(toJSON.status == 0, "\(toJSON.error)")
        let run = try python(Self.postScript, [server.baseURL, mode], input: Array(toJSON.output.utf8))
        #expect(run.status == 0, "\(run.error)")
        return run.output.split(separator: "\n").map(String.init)
    }

    /// `bagpipe-rest-attach --attach --network-type evpn --port netns --ip 203.0.113.10 --mac 52:54:00:11:22:33` (NEW).
    static let restAttachNetns = """
    {"import_rt": ["64512:513"], "export_rt": ["64512:513"], "local_port": {"linuxif": "ns-evpn-bagpipe"},
     "vpn_instance_id": "evpn-bagpipe-test", "vpn_type": "evpn", "gateway_ip": "203.0.113.254",
     "mac_address": "52:54:00:11:22:33", "ip_address": "203.0.113.10/24", "advertise_subnet": False,
     "readvertise": None, "attract_traffic": {}, "lb_consistent_hash_order": 0, "vni": 0, "direction": "both"}
    """

    /// `... --port tap-c2 --mac 52:54:00:11:22:44 --ip 203.0.113.20/24 --vpn-instance-id c2net --rt 64512:80
    /// --import-rt 64512:81 --vni 5000 --local-pref 200` (NEW).
    static let restAttachWithOptions = """
    {"import_rt": ["64512:80", "64512:81"], "export_rt": ["64512:80"], "local_port": {"linuxif": "tap-c2"},
     "vpn_instance_id": "c2net", "vpn_type": "evpn", "gateway_ip": "203.0.113.254",
     "mac_address": "52:54:00:11:22:44", "ip_address": "203.0.113.20/24", "advertise_subnet": False,
     "readvertise": None, "attract_traffic": {}, "lb_consistent_hash_order": 0, "vni": 5000,
     "local_pref": 200, "direction": "both"}
    """

    /// The 2016 `bagpipe-rest-attach` (OLD), which lacks the last five keys.
    static let oldRestAttach = """
    {"import_rt": ["64512:513"], "export_rt": ["64512:513"], "local_port": {"linuxif": "tons-old"},
     "vpn_instance_id": "evpn-bagpipe-test", "vpn_type": "evpn", "gateway_ip": "203.0.113.254",
     "mac_address": "52:54:00:11:22:55", "ip_address": "203.0.113.30/24", "advertise_subnet": False,
     "readvertise": None}
    """

    /// The Neutron bagpipe agent (OVS bgpvpn extension) for a port of a VXLAN network with segmentation id 100:
    /// RT sets serialized as lists, a description object, the OVS VLAN in local_port, and `network_id`.
    static let agentAttach = """
    {"mac_address": "fa:16:3e:00:00:01", "local_port": {"linuxif": "patch2tun:5", "vlan": 5},
     "gateway_ip": "10.0.0.1", "vni": 100, "description": {"port": "port-1"}, "ip_address": "10.0.0.2",
     "instance_description": "BGPVPN evpn associations for net net-1 (10.0.0.1)",
     "import_rt": ["64512:100"], "export_rt": ["64512:100"], "vpn_instance_id": "evpn_net-1", "vpn_type": "evpn"}
    """

    static let agentDetach = """
    {"mac_address": "fa:16:3e:00:00:01", "local_port": {"linuxif": "patch2tun:5"}, "ip_address": "10.0.0.2",
     "vpn_instance_id": "evpn_net-1", "vpn_type": "evpn"}
    """

    @Test func restAttachBodiesAreAcceptedAndShowInTheLookingGlass() throws {
        let server = try APIServer()
        defer { server.stop() }
        let output = try post(server, [("attach_localport", Self.restAttachNetns), ("attach_localport", Self.restAttachWithOptions),
                                       ("attach_localport", Self.oldRestAttach)])
        #expect(output == ["response: 200 null", "response: 200 null", "response: 200 null"])

        let instances = try lookingGlass(server, "vpns/instances")
        #expect(instances.arrayValue?.compactMap { $0.objectValue?["id"] } == ["evpn-bagpipe-test", "c2net"])
        let instance = try #require(try lookingGlass(server, "vpns/instances/c2net").objectValue)
        #expect(instance["instance_dataplane_id"] == 5000)
        #expect(instance["route_targets"] == ["import": ["target:64512:80", "target:64512:81"], "export": ["target:64512:80"]])
        #expect(instance["gateway_ip"] == "203.0.113.254")
        let ports = try lookingGlass(server, "vpns/instances/evpn-bagpipe-test/ports")
        #expect(ports.objectValue?.keys == ["ns-evpn-bagpipe", "tons-old"])
        #expect(try lookingGlass(server, "summary/vpn_instances_count") == 2)
        #expect(server.onLoop { server.service.instances["c2net"]?.vni } == 5000)

        // The tool sends the same body to detach.
        let detached = try post(server, [("detach_localport", Self.restAttachNetns), ("detach_localport", Self.oldRestAttach),
                                         ("detach_localport", Self.restAttachWithOptions)])
        #expect(detached == ["response: 200 null", "response: 200 null", "response: 200 null"])
        #expect(try lookingGlass(server, "summary/vpn_instances_count") == 0)
    }

    @Test func agentBodiesAreAcceptedIncludingReplayAfterRestart() throws {
        let server = try APIServer()
        defer { server.stop() }
        // The agent re-POSTs every attachment when /ping changes: the replay must be idempotent.
        let output = try post(server, [("attach_localport", Self.agentAttach), ("attach_localport", Self.agentAttach)], mode: "agent")
        #expect(output == ["response: 200 null", "response: 200 null"])
        let endpoints = try lookingGlass(server, "vpns/instances/evpn_net-1/ports/patch2tun:5/endpoints")
        #expect(endpoints.arrayValue?.count == 1)
        #expect(endpoints.arrayValue?.first?.objectValue?["description"] == ["port": "port-1"])
        #expect(try lookingGlass(server, "vpns/instances/evpn_net-1/description") == "BGPVPN evpn associations for net net-1 (10.0.0.1)")
        #expect(try post(server, [("detach_localport", Self.agentDetach)], mode: "agent") == ["response: 200 null"])
        #expect(try post(server, [("detach_localport", Self.agentDetach)], mode: "agent")
            == [#"error 400: {"code": 400, "title": "Bad Request", "description": "API error: VPN evpn_net-1 could not be found"}"#])
    }

    @Test func agentPingParsesAsAnIntegerThatIsNeitherZeroNorMinusOne() throws {
        let server = try APIServer()
        defer { server.stop() }
        let script = #"""
        import json, sys, urllib.request
        request = urllib.request.Request(sys.argv[1] + "/ping", None,
                                         {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": "agent"})
        content = urllib.request.urlopen(request).read()
        value = json.loads(content)
        print(len(content) > 1 and isinstance(value, int) and value not in (0, -1))
        """#
        #expect(try python(script, [server.baseURL]).output == "True\n")
    }

    private func lookingGlass(_ server: APIServer, _ path: String) throws -> JSONValue {
        let result = try curl([server.baseURL + "/looking-glass/" + path])
        return try JSONValue(parsing: result.output)
    }
}
