import Foundation
import Testing
@testable import BagpipeAPI

/// The built `bagpipe-rest-attach` and `bagpipe-looking-glass`, run against a live API.
@Suite struct CommandLineToolTests {
    /// Executables are built next to the test bundle.
    static func tool(_ name: String) -> String {
        let bundle = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent(name).path
    }

    private func restAttach(_ server: APIServer, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try run(Self.tool("bagpipe-rest-attach"), arguments + ["--api-port", String(server.port), "--config-file", "/nonexistent"])
    }

    private func lookingGlass(_ server: APIServer, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try run(Self.tool("bagpipe-looking-glass"), ["--port", String(server.port)] + arguments)
    }

    @Test func restAttachPrintsBaGPipesRequestAndResponse() throws {
        let server = try APIServer()
        defer { server.stop() }
        let attach = try restAttach(server, ["--attach", "--network-type", "evpn", "--port", "tap1", "--mac", "52:54:00:aa:bb:01",
                                             "--ip", "203.0.113.10"])
        #expect(attach.status == 0, "\(attach.error)")
        #expect(attach.output == """
            using 203.0.113.254 as gateway address
            request: {"import_rt": ["64512:513"], "export_rt": ["64512:513"], "local_port": {"linuxif": "tap1"}, \
            "vpn_instance_id": "evpn-bagpipe-test", "vpn_type": "evpn", "gateway_ip": "203.0.113.254", \
            "mac_address": "52:54:00:aa:bb:01", "ip_address": "203.0.113.10/24", "advertise_subnet": false, \
            "readvertise": null, "attract_traffic": {}, "lb_consistent_hash_order": 0, "vni": 0, "direction": "both"}
            response: 200 null

            """)
        #expect(server.onLoop { server.service.instances["evpn-bagpipe-test"]?.endpoints.count } == 1)

        let detach = try restAttach(server, ["--detach", "--network-type", "evpn", "--port", "tap1", "--mac", "52:54:00:aa:bb:01",
                                             "--ip", "203.0.113.10"])
        #expect(detach.status == 0)
        #expect(detach.output.hasSuffix("response: 200 null\n"))
        #expect(server.onLoop { server.service.instances.isEmpty })

        let again = try restAttach(server, ["--detach", "--network-type", "evpn", "--port", "tap1", "--mac", "52:54:00:aa:bb:01",
                                            "--ip", "203.0.113.10"])
        #expect(again.status == 1)
        #expect(again.output.hasSuffix("   400 Bad Request\n\nThe server could not comply with the request since it is either "
            + "malformed or otherwise incorrect.\n\n API error: VPN evpn-bagpipe-test could not be found  \n"))
        #expect(again.error == "error 400, reason: Bad Request\n")
    }

    @Test func restAttachOptionsReachTheBody() throws {
        let server = try APIServer()
        defer { server.stop() }
        let result = try restAttach(server, [
            "--attach", "--network-type", "evpn", "--port", "tap-c2", "--mac", "52:54:00:11:22:44", "--ip", "203.0.113.20/25",
            "--vpn-instance-id", "c2net", "--rt", "64512:80", "--import-rt", "64512:81", "--export-rt", "64512:82", "--vni", "5000",
            "--local-pref", "200", "--gateway-ip", "203.0.113.1", "--readv-from-rt", "64512:90", "--readv-to-rt", "64512:91",
        ])
        #expect(result.status == 0, "\(result.error)")
        #expect(!result.output.contains("using"))
        #expect(result.output.contains(#""import_rt": ["64512:80", "64512:81"], "export_rt": ["64512:80", "64512:82"]"#))
        #expect(result.output.contains(#""vpn_instance_id": "c2net""#))
        #expect(result.output.contains(#""readvertise": {"from_rt": ["64512:90"], "to_rt": ["64512:91"]}"#))
        #expect(result.output.contains(#""vni": 5000, "local_pref": 200, "direction": "both"}"#))
        let instance = try #require(server.onLoop { server.service.instances["c2net"] })
        #expect(instance.vni == 5000)
        #expect(instance.gatewayIP?.description == "203.0.113.1")
    }

    @Test func restAttachDerivesTheGatewayLikeNetaddr() throws {
        let server = try APIServer()
        defer { server.stop() }
        for (ip, gateway) in [("10.1.2.3/8", "10.255.255.254"), ("192.0.2.9/31", "192.0.2.8"), ("2001:db8::5/64", "2001:db8::ffff:ffff:ffff:fffe")] {
            let result = try restAttach(server, ["--attach", "--network-type", "evpn", "--port", "t\(gateway.count)",
                                                 "--mac", "52:54:00:00:00:0\(gateway.count % 10)", "--ip", ip, "--vpn-instance-id", gateway])
            #expect(result.output.hasPrefix("using \(gateway) as gateway address\n"), "\(ip): \(result.output)")
        }
        let single = try restAttach(server, ["--attach", "--network-type", "evpn", "--port", "t", "--mac", "52:54:00:00:00:01",
                                             "--ip", "10.0.0.1/32"])
        #expect(single.status != 0)
        #expect(single.error.contains("use --gateway-ip"))
    }

    @Test func restAttachRefusesIncompleteInvocations() throws {
        let server = try APIServer()
        defer { server.stop() }
        let noMAC = try restAttach(server, ["--attach", "--network-type", "evpn", "--port", "tap1", "--ip", "10.0.0.1"])
        #expect(noMAC.status == 64)
        #expect(noMAC.error.contains("Need to specify --mac for an EVPN network attachment if port is not 'netns'"))
        let noOperation = try restAttach(server, ["--network-type", "evpn", "--port", "tap1", "--ip", "10.0.0.1"])
        #expect(noOperation.status == 64)
        #expect(noOperation.error.contains("Need to specify --attach or --detach"))
        let badType = try restAttach(server, ["--attach", "--network-type", "l3", "--port", "tap1", "--ip", "10.0.0.1"])
        #expect(badType.status == 64)
        let evpnIntoEvpn = try restAttach(server, ["--attach", "--network-type", "evpn", "--port", "evpn:x", "--ip", "10.0.0.1",
                                                   "--mac", "52:54:00:00:00:01"])
        #expect(evpnIntoEvpn.status == 1)
        #expect(evpnIntoEvpn.error == "Can only plug an evpn into an ipvpn\n")
        let noServer = try run(Self.tool("bagpipe-rest-attach"), ["--attach", "--network-type", "evpn", "--port", "tap1", "--ip", "10.0.0.1",
                                                                  "--mac", "52:54:00:00:00:01", "--api-port", "1"])
        #expect(noServer.status == 1)
        #expect(noServer.error.hasPrefix("no bagpipe-bgp REST API at http://127.0.0.1:1: cannot connect"))
        #expect(server.onLoop { server.service.attachCount } == 0)
    }

    @Test func restAttachReadsTheAPIPortFromTheConfigFile() throws {
        let server = try APIServer()
        defer { server.stop() }
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("bgp-\(UUID().uuidString).conf")
        try "[BGP]\nmy_as = 64512\n[API]\nhost = 127.0.0.1\nport = \(server.port)\n".write(to: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: config) }
        let result = try run(Self.tool("bagpipe-rest-attach"), ["--attach", "--network-type", "evpn", "--port", "tap1", "--ip", "10.0.0.1",
                                                                "--mac", "52:54:00:00:00:01", "--config-file", config.path])
        #expect(result.status == 0, "\(result.error)")
        #expect(APIConfigFile.port(fromConfigFile: config.path) == server.port)
        #expect(APIConfigFile.port(fromConfigFile: "/nonexistent") == nil)
    }

    @Test(.enabled(if: getuid() == 0, "needs root for network namespaces"))
    func restAttachPlumbsANetworkNamespace() throws {
        let server = try APIServer()
        defer { server.stop() }
        let namespace = "rat\(getpid())"
        defer {
            _ = try? run("/usr/bin/env", ["ip", "link", "del", "ns-\(namespace)"])
            _ = try? run("/usr/bin/env", ["ip", "netns", "del", namespace])
        }
        let attach = try restAttach(server, ["--attach", "--network-type", "evpn", "--port", "netns", "--netns", namespace,
                                             "--ip", "203.0.113.10/24"])
        #expect(attach.status == 0, "\(attach.error)")
        let inside = try run("/usr/bin/env", ["ip", "netns", "exec", namespace, "cat", "/sys/class/net/tovpn/address"])
        let mac = inside.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(attach.output.contains("Will plug local namespace \(namespace) into network\n"))
        #expect(attach.output.contains("Local port: ns-\(namespace) (\(mac))\n"))
        #expect(attach.output.contains(#""local_port": {"linuxif": "ns-\#(namespace)"}"#))
        #expect(attach.output.contains(#""mac_address": "\#(mac)""#))
        let address = try run("/usr/bin/env", ["ip", "-n", namespace, "-o", "addr", "show", "dev", "tovpn"]).output
        #expect(address.contains("203.0.113.10/24"))
        let route = try run("/usr/bin/env", ["ip", "-n", namespace, "route", "show", "default"]).output
        #expect(route.contains("via 203.0.113.254"))
        #expect(server.onLoop { server.service.instances["evpn-bagpipe-test"]?.portOfMAC.values.first?.linuxInterface } == "ns-\(namespace)")

        // Detach finds the MAC in the namespace by itself.
        let detach = try restAttach(server, ["--detach", "--network-type", "evpn", "--port", "netns", "--netns", namespace,
                                             "--ip", "203.0.113.10/24"])
        #expect(detach.status == 0, "\(detach.error)")
        #expect(server.onLoop { server.service.instances.isEmpty })
    }

    @Test func lookingGlassPrintsScalarsListsAndObjects() throws {
        let server = try APIServer()
        defer { server.stop() }
        _ = try restAttach(server, ["--attach", "--network-type", "evpn", "--port", "tap1", "--mac", "52:54:00:aa:bb:01", "--ip", "203.0.113.10"])
        #expect(try lookingGlass(server, ["summary", "vpn_instances_count"]).output == "1\n")
        #expect(try lookingGlass(server, ["vpns", "instances"]).output == "* evpn-bagpipe-test (...)\n  name: EVI-1\n")
        #expect(try lookingGlass(server, ["summary"]).output == """
            BGP_established_peers: 1
            route_counts: 
              local_routes_count: 2
              received_routes_count: 0
            vpn_instances_count: 1
            warnings_and_errors: 0
            start_time: 2026-01-01 00:00:00
            version: swift-bagpipe test

            """)
        let root = try lookingGlass(server, []).output
        #expect(root.contains("\nconfig:  (...)\nbgp:  (...)\nvpns:  (...)\nlogs:  (...)\n"), "\(root)")
        #expect(try lookingGlass(server, ["logs"]).output == "-\n")
        let ports = try lookingGlass(server, ["vpns", "instances", "evpn-bagpipe-test", "ports"]).output
        #expect(ports == """
            tap1: 
              endpoints: 
                * mac_address: 52:54:00:aa:bb:01
                  ip_address: 203.0.113.10/24
                  description: None
                  direction: both

            """)
    }

    @Test func lookingGlassRecursesIntoLinksBelowThePath() throws {
        let server = try APIServer()
        defer { server.stop() }
        _ = try restAttach(server, ["--attach", "--network-type", "evpn", "--port", "tap1", "--mac", "52:54:00:aa:bb:01", "--ip", "203.0.113.10"])
        let flat = try lookingGlass(server, ["bgp"]).output
        #expect(flat == "peers:  (...)\n")
        let recursive = try lookingGlass(server, ["-r", "bgp"]).output
        #expect(recursive == """
            peers: 
                * 192.0.2.1
                    peeringAddresses: 
                      peer_address: 192.0.2.1
                      local_address: 192.0.2.2
                    protocol: 
                      state: Established
                      hold_time: 180

            """, "\(recursive)")
        let instance = try lookingGlass(server, ["-r", "vpns", "instances", "evpn-bagpipe-test"]).output
        #expect(instance.contains("self:  (...)\n"), "a link to the object itself is not followed")
        // A followed link is printed two columns deeper than its key, as BaGPipe's tool does.
        #expect(instance.contains("ports: \n    tap1: \n      endpoints: \n        * mac_address: 52:54:00:aa:bb:01\n"), "\(instance)")
    }

    @Test func lookingGlassReportsMissingPathsAndServers() throws {
        let server = try APIServer()
        defer { server.stop() }
        let missing = try lookingGlass(server, ["vpns", "instances", "no such"])
        #expect(missing.status == 1)
        #expect(missing.output == "No such looking glass path: vpns instances no%20such\n"
            + "(http://127.0.0.1:\(server.port)/looking-glass/vpns/instances/no%20such)\n")
        let noServer = try run(Self.tool("bagpipe-looking-glass"), ["--port", "1", "summary"])
        #expect(noServer.status == 1)
        #expect(noServer.output.hasPrefix("No server at http://127.0.0.1:1 : "))
    }
}
