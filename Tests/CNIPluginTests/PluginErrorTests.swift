import Foundation
import TestSupport
import Testing

/// bagpipe-cni refusing bad invocations the way the spec says: CNI error JSON on standard output
/// (the config's cniVersion, the spec's code, a message naming the variable or field), exit 1.
/// Nothing here reaches a daemon or the kernel.
@Suite struct PluginErrorTests {
    private func plugin(_ variables: [String: String], _ config: String) throws -> PluginAnswer {
        let environment = variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let result = try runCommand(["-i"] + environment + [builtTool("bagpipe-cni")], input: Array(config.utf8))
        return PluginAnswer(status: result.status, output: result.output, error: result.error)
    }

    private let add = ["CNI_COMMAND": "ADD", "CNI_CONTAINERID": "c1", "CNI_NETNS": "/var/run/netns/x", "CNI_IFNAME": "eth0",
                       "CNI_PATH": "/usr/lib/cni"]
    private let valid = #"{"cniVersion": "1.0.0", "name": "n", "type": "bagpipe-cni", "routeTargets": ["64512:80"]}"#

    private func replacing(_ key: String, with value: String?) -> String {
        var object = try! JSONSerialization.jsonObject(with: Data(valid.utf8)) as! [String: Any]
        object[key] = value.map { try! JSONSerialization.jsonObject(with: Data($0.utf8), options: .fragmentsAllowed) }
        return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test func versionAnswersInTheVersionAsked() throws {
        for (asked, answered) in [("0.4.0", "0.4.0"), ("1.0.0", "1.0.0"), ("1.1.0", "1.1.0"), ("0.2.0", "1.1.0")] {
            let answer = try plugin(["CNI_COMMAND": "VERSION"], #"{"cniVersion": "\#(asked)"}"#)
            #expect(answer.status == 0)
            #expect(answer.output == #"{"cniVersion":"\#(answered)","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}"#)
        }
        #expect(try plugin(["CNI_COMMAND": "VERSION"], "").status == 0)
    }

    @Test func environmentErrorsNameTheVariable() throws {
        let cases: [(String, String?, String)] = [
            ("CNI_COMMAND", nil, "CNI_COMMAND: missing"),
            ("CNI_COMMAND", "PLUG", "CNI_COMMAND: unknown command PLUG"),
            ("CNI_CONTAINERID", "", "CNI_CONTAINERID: missing"),
            ("CNI_CONTAINERID", "-bad id", "CNI_CONTAINERID: -bad id is not a container ID"),
            ("CNI_IFNAME", "a/b", "CNI_IFNAME: a/b is not an interface name"),
            ("CNI_IFNAME", "sixteen-chars-xx", "CNI_IFNAME: sixteen-chars-xx is not an interface name"),
            ("CNI_NETNS", "", "CNI_NETNS: missing"),
        ]
        for (variable, value, message) in cases {
            var environment = add
            environment[variable] = value
            let answer = try plugin(environment, valid)
            #expect(answer.status == 1)
            #expect(answer.code == 4, "\(variable): \(answer.output)")
            #expect(answer.message.hasPrefix(message), "\(answer.message)")
        }
    }

    @Test func configErrorsNameTheField() throws {
        let cases: [(String, String?, Int, String)] = [
            ("cniVersion", nil, 7, "network config: cniVersion: missing"),
            ("cniVersion", #""0.2.0""#, 1, "incompatible CNI version 0.2.0 in cniVersion"),
            ("name", nil, 7, "network config: name: missing"),
            ("name", #""a b""#, 7, "network config: name: a b is not a network name"),
            ("type", nil, 7, "network config: type: missing"),
            ("routeTargets", #"["64512"]"#, 7, #"network config: routeTargets: "64512" is not a route target"#),
            ("routeTargets", nil, 7, "network config: routeTargets: no import route target"),
            ("routeTargets", #""64512:80""#, 7, "network config: routeTargets: must be a list"),
            ("vni", "16777216", 7, "network config: vni: must be an integer between 0 and 16777215"),
            ("mtu", "9", 7, "network config: mtu: must be an integer between 68 and 65535"),
            ("api", #""ftp://x""#, 7, "network config: api: ftp://x is neither http://HOST:PORT nor the path of a Unix socket"),
            ("gateway", #""1.2.3""#, 7, "network config: gateway: 1.2.3 is not an IP address"),
            ("ipam", #"{"subnet": "10.0.0.0/8"}"#, 7, "network config: ipam.type: missing"),
            ("ipam", #"{"type": "../host-local"}"#, 7, "network config: ipam.type: ../host-local must be a plugin name"),
            ("prevResult", #"{"ips": [{"address": "10.0.0.300/8"}]}"#, 6, "prevResult.ips[0]: needs an address in CIDR form"),
            ("cni.dev/valid-attachments", #"[{"containerID": "a"}]"#, 7, "network config: cni.dev/valid-attachments:"),
        ]
        for (field, value, code, message) in cases {
            let answer = try plugin(add, replacing(field, with: value))
            #expect(answer.status == 1)
            #expect(answer.code == code, "\(field): \(answer.output)")
            #expect(answer.message.hasPrefix(message), "\(field): \(answer.message)")
        }
        let notJSON = try plugin(add, "{\"cniVersion\": ")
        #expect(notJSON.code == 6 && notJSON.message.hasPrefix("network config is not JSON"), "\(notJSON.output)")
        #expect(notJSON.json?["cniVersion"] as? String == "1.1.0")
        let version = try plugin(add, replacing("mtu", with: "9").replacingOccurrences(of: "1.0.0", with: "0.4.0"))
        #expect(version.json?["cniVersion"] as? String == "0.4.0", "errors speak the config's version")
    }

    @Test func commandsNewerThanTheConfigAreRefused() throws {
        for (command, minimum) in [("CHECK", "0.4.0"), ("STATUS", "1.1.0"), ("GC", "1.1.0")] {
            var environment = add
            environment["CNI_COMMAND"] = command
            let answer = try plugin(environment, valid.replacingOccurrences(of: "1.0.0", with: "0.3.1"))
            #expect(answer.code == 1, "\(command): \(answer.output)")
            #expect(answer.message == "cniVersion: \(command) needs \(minimum) or later, the network config has 0.3.1")
        }
    }
}
