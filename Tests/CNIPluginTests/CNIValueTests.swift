import NetAddress
import OrderedJSON
import Testing
@testable import CNIPlugin

/// The plugin's value types: the daemon's address, attachment keys and host names, results.
@Suite struct CNIValueTests {
    @Test func daemonAddressForms() {
        #expect(DaemonAddress("http://127.0.0.1:8082") == .tcp(host: "127.0.0.1", port: 8082))
        #expect(DaemonAddress("http://[::1]:8082/") == .tcp(host: "::1", port: 8082))
        #expect(DaemonAddress("http://localhost:9000") == .tcp(host: "localhost", port: 9000))
        #expect(DaemonAddress("/run/bagpipe-bgp/api.sock") == .unix(path: "/run/bagpipe-bgp/api.sock"))
        #expect(DaemonAddress("unix:/run/api.sock") == .unix(path: "/run/api.sock"))
        #expect(DaemonAddress("unix:///run/api.sock") == .unix(path: "/run/api.sock"))
        for bad in ["http://127.0.0.1", "http://127.0.0.1:0", "http://:80", "http://h:80/x", "https://h:1", "unix:", "api.sock", ""] {
            #expect(DaemonAddress(bad) == nil, "\(bad)")
        }
        #expect(DaemonAddress.default.description == "http://127.0.0.1:8082")
        #expect(DaemonAddress.tcp(host: "::1", port: 1).description == "http://[::1]:1")
    }

    @Test func hostInterfaceNamesAreStableShortAndDistinct() {
        let id = "3f2a1b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a"
        let eth0 = AttachmentKey(containerID: id, interfaceName: "eth0").hostInterfaceName
        #expect(eth0 == AttachmentKey(containerID: id, interfaceName: "eth0").hostInterfaceName)
        #expect(eth0.hasPrefix("cni3f2a1b-") && eth0.count == 15)
        #expect(AttachmentKey(containerID: id, interfaceName: "net1").hostInterfaceName != eth0)
        #expect(AttachmentKey(containerID: "3f2a1b-other", interfaceName: "eth0").hostInterfaceName != eth0)
        let short = AttachmentKey(containerID: "c1", interfaceName: "eth0").hostInterfaceName
        #expect(short.count == 15 && !short.contains("/"))
    }

    @Test func endpointDescriptionsRoundTripThroughTheDaemonsText() throws {
        let key = AttachmentKey(containerID: "abc", interfaceName: "eth0")
        let text = key.endpointDescription(network: "net").serialized(.compact)   // what the daemon stores and shows
        let parsed = try #require(AttachmentKey.parse(endpointDescription: text))
        #expect(parsed.network == "net" && parsed.key == key)
        #expect(AttachmentKey.parse(endpointDescription: "a VM port") == nil)
        #expect(AttachmentKey.parse(endpointDescription: #"{"bagpipe-cni": {"network": "n"}}"#) == nil)
    }

    @Test func resultsAreWrittenInTheVersionAsked() throws {
        let input: JSONValue = try JSONValue(parsing: #"""
            {"cniVersion": "0.3.1", "ips": [{"version": "4", "address": "203.0.113.5/24", "gateway": "203.0.113.1"},
             {"version": "6", "address": "2001:db8::5/64"}],
             "routes": [{"dst": "0.0.0.0/0", "gw": "203.0.113.1", "priority": 5}], "dns": {"nameservers": ["203.0.113.53"]}}
            """#)
        var result = try CNIResult(json: input, field: "ipam result")
        result.interfaces = [.init(name: "cnix", mac: "aa:bb:cc:dd:ee:ff", mtu: 1450, sandbox: nil),
                             .init(name: "eth0", mac: nil, mtu: 1450, sandbox: "/run/netns/c")]
        result.ips = result.ips.map { .init(address: $0.address, gateway: $0.gateway, interface: 1) }
        #expect(result.json(version: .v0_3_1).serialized(.compact) == #"""
            {"cniVersion":"0.3.1","interfaces":[{"name":"cnix","mac":"aa:bb:cc:dd:ee:ff"},{"name":"eth0","sandbox":"/run/netns/c"}],\#
            "ips":[{"version":"4","address":"203.0.113.5/24","gateway":"203.0.113.1","interface":1},\#
            {"version":"6","address":"2001:db8::5/64","interface":1}],\#
            "routes":[{"dst":"0.0.0.0/0","gw":"203.0.113.1"}],"dns":{"nameservers":["203.0.113.53"]}}
            """#)
        #expect(result.json(version: .v1_1_0).serialized(.compact) == #"""
            {"cniVersion":"1.1.0","interfaces":[{"name":"cnix","mac":"aa:bb:cc:dd:ee:ff","mtu":1450},{"name":"eth0","mtu":1450,"sandbox":"/run/netns/c"}],\#
            "ips":[{"address":"203.0.113.5/24","gateway":"203.0.113.1","interface":1},{"address":"2001:db8::5/64","interface":1}],\#
            "routes":[{"dst":"0.0.0.0/0","gw":"203.0.113.1","priority":5}],"dns":{"nameservers":["203.0.113.53"]}}
            """#)
    }

    @Test func resultsThatPointOutsideTheirInterfacesAreRefused() {
        let input: JSONValue = ["interfaces": [["name": "a"]], "ips": [["address": "192.0.2.1/24", "interface": 1]]]
        #expect(throws: CNIError(.decodingFailure, "prevResult.ips[0].interface: 1 is not an index of interfaces")) {
            try CNIResult(json: input, field: "prevResult")
        }
    }
}
