import ArgumentParser
import BagpipeAPI
import Foundation
import HTTPServer
import NetAddress
import OrderedJSON

/// `bagpipe-rest-attach`: attaches or detaches a local port through the REST API, with BaGPipe's flags,
/// defaults and output (bagpipe.md §8): it prints `request: <json>` and `response: <code> <body>`.
@main
struct RestAttach: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bagpipe-rest-attach",
        abstract: "Attach or detach a local port to a VPN instance through the bagpipe-bgp REST API.",
        usage: "bagpipe-rest-attach (--attach|--detach) --network-type (ipvpn|evpn) --port (<port>|netns) --ip <ip>[/<mask>] [options]")

    enum Operation: String, EnumerableFlag {
        case attach, detach
        static func help(for value: Operation) -> ArgumentHelp? { "\(value.rawValue) local port" }
    }

    enum Advertisement: String, EnumerableFlag {
        case advertiseSingleton, advertiseSubnet
        static func help(for value: Advertisement) -> ArgumentHelp? {
            value == .advertiseSubnet ? "advertise the whole IP subnet" : "advertise the IP address as a /32"
        }
    }

    @Flag(exclusivity: .chooseLast) var operation: Operation?
    @Option(name: .customLong("network-type"), help: "network type (ipvpn or evpn)") var networkType: VPNType?
    @Option(name: .customLong("vpn-instance-id"), help: "name of the VPN instance; the default becomes <network-type>-bagpipe-test")
    var vpnInstanceID = defaultInstanceID
    @Option(help: "local port to attach/detach: an interface, 'netns[:<if>]' for a port into a network namespace, or 'evpn:<id>'")
    var port: String?
    @Option(help: "local port direction in the VPN (both, to-port, from-port)") var direction: Direction = .both
    @Option(name: .customLong("rt"), help: "route target for import and export (repeatable; default 64512:513 for evpn, 64512:512 for ipvpn)")
    var routeTargets: [String] = []
    @Option(name: .customLong("import-rt"), help: "import-only route target (repeatable)") var importOnlyRouteTargets: [String] = []
    @Option(name: .customLong("export-rt"), help: "export-only route target (repeatable)") var exportOnlyRouteTargets: [String] = []
    @Option(help: "IP prefix / mask (mask defaults to /24)") var ip: String?
    @Option(name: .customLong("gateway-ip"), help: "IP address of the network gateway (default: last address of the subnet)")
    var gatewayIP: String?
    @Option(help: "MAC address (required for evpn unless --port netns)") var mac: String?
    @Flag(exclusivity: .chooseLast) var advertisement: Advertisement = .advertiseSingleton
    @Flag(name: .customLong("ovs-preplug"), help: "plug the port into an OVS bridge first (ipvpn)") var ovsPreplug = false
    @Option(name: .customLong("ovs-bridge"), help: "OVS bridge for --ovs-preplug") var ovsBridge = "br-int"
    @Option(name: .customLong("ovs-vlan"), help: "only this VLAN of the OVS port is attached (ipvpn with --ovs-preplug)") var ovsVLAN: Int?
    @Option(help: "name of the network namespace, with --port netns (default: the VPN instance id)") var netns: String?
    @Option(help: "a running container (name or id) whose network namespace to plug, with --port netns, instead of --netns")
    var container: String?
    @Option(name: .customLong("container-runtime"), help: "command that inspects --container (default: podman, else docker)")
    var containerRuntime: String?
    @Option(help: "name of the interface in the namespace towards the VPN, with --port netns") var if2vpn = "tovpn"
    @Option(name: .customLong("readv-from-rt"), help: "re-advertise routes received with these RTs (repeatable)") var readvertiseFrom: [String] = []
    @Option(name: .customLong("readv-to-rt"), help: "re-advertise toward these RTs (repeatable)") var readvertiseTo: [String] = []
    @Option(name: .customLong("redirect-rts"), help: "FlowSpec redirection route targets (repeatable)") var redirectRouteTargets: [String] = []
    @Option(name: .customLong("source-prefix"), help: "traffic classifier source prefix") var sourcePrefix: String?
    @Option(name: .customLong("destination-prefix"), help: "traffic classifier destination prefix") var destinationPrefix: String?
    @Option(name: .customLong("source-port"), help: "traffic classifier source port or range") var sourcePort: String?
    @Option(name: .customLong("destination-port"), help: "traffic classifier destination port or range") var destinationPort: String?
    @Option(help: "traffic classifier IP protocol") var `protocol`: String?
    @Option(name: .customLong("attract-to-rt"), help: "advertise the static destination prefixes to these RTs (repeatable)")
    var attractToRouteTargets: [String] = []
    @Option(name: .customLong("static-destination-prefix"), help: "static destination prefix to advertise (repeatable)")
    var staticDestinationPrefixes: [String] = []
    @Option(name: .customLong("lb-consistent-hash-order"), help: "load-balancing consistent hash sort order") var lbConsistentHashOrder = 0
    @Option(help: "VXLAN VNI of the VPN instance (0: allocated by bagpipe-bgp)") var vni = 0
    @Option(name: .customLong("local-pref"), help: "BGP LOCAL_PREF of the route") var localPref: Int?
    @Option(name: .customLong("api-host"), help: "address of the bagpipe-bgp REST API") var apiHost = "127.0.0.1"
    @Option(name: .customLong("api-port"), help: "port of the REST API (default: [API] port of --config-file, else 8082)") var apiPort: UInt16?
    @Option(name: .customLong("config-file"), help: "bagpipe-bgp configuration to read the API port from")
    var configFile = APIConfigFile.defaultPath

    static let defaultInstanceID = "bagpipe-test"

    func run() throws {
        do {
            try perform()
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data((failure.description + "\n").utf8))
            throw ExitCode.failure
        }
    }

    private func perform() throws {
        guard let operation else { throw ValidationError("Need to specify --attach or --detach") }
        guard var port else { throw ValidationError("Need to specify --port <localport>") }
        guard let networkType else { throw ValidationError("Need to specify --network-type") }
        guard var ip else { throw ValidationError("Need to specify --ip") }

        var shared = routeTargets
        if shared.isEmpty && importOnlyRouteTargets.isEmpty && exportOnlyRouteTargets.isEmpty {
            shared = [networkType == .ipvpn ? "64512:512" : "64512:513"]
        }
        if ip.range(of: #"/[0-9]+$"#, options: .regularExpression) == nil { ip += "/24" }
        guard let prefix = IPPrefix(ip) else { throw ValidationError("invalid --ip \(ip)") }
        let gateway: String
        if let gatewayIP {
            gateway = gatewayIP
        } else {
            guard let derived = SubnetGateway.secondToLast(in: prefix) else {
                throw ValidationError("the subnet of \(ip) has no room for a gateway address; use --gateway-ip")
            }
            gateway = derived.description
            print("using \(gateway) as gateway address")
        }
        let instanceID = vpnInstanceID == Self.defaultInstanceID ? "\(networkType.rawValue)-\(vpnInstanceID)" : vpnInstanceID

        var mac = self.mac
        if container != nil && !port.hasPrefix("netns") { throw ValidationError("--container needs --port netns") }
        if port.hasPrefix("netns") {
            let target = try namespaceTarget(instanceID: instanceID)
            let parts = port.split(separator: ":", maxSplits: 1)
            let outside = parts.count == 2 ? String(parts[1]) : NetnsPlumbing.outsideName(target)
            if operation == .attach {
                guard ovsVLAN == nil else { throw ValidationError("--ovs-vlan with --port netns is not supported") }
                if case .container(let name, let path) = target {
                    print("Will plug container \(name) (namespace \(path)) into network")
                } else {
                    print("Will plug local namespace \(target.label) into network")
                }
                mac = try NetnsPlumbing.create(target, outside: outside, inside: if2vpn, mac: mac,
                                               address: prefix, gateway: gateway).description
            } else if mac == nil {
                mac = try NetnsPlumbing.insideMAC(target, inside: if2vpn).description
            }
            port = outside
            print("Local port: \(port) (\(mac ?? ""))")
            guard NetnsPlumbing.interfaceExists(port) else {
                throw CommandFailure("interface \(port) does not exist")
            }
        }

        var localPort = JSONObject()
        if port.hasPrefix("evpn:") {
            guard networkType == .ipvpn else { throw CommandFailure("Can only plug an evpn into an ipvpn") }
            print("will plug evpn \(port.dropFirst(5)) into the IPVPN")
            localPort["evpn"] = ["id": .string(String(port.dropFirst(5)))]
        } else {
            localPort["linuxif"] = .string(port)
            if ovsPreplug && networkType == .ipvpn {
                print("pre-plugging \(port) into \(ovsBridge)")
                try OVSPreplug.plug(port: port, bridge: ovsBridge)
                var ovs: JSONObject = ["port_name": .string(port), "plugged": true]
                if let ovsVLAN, ovsVLAN != 0 { ovs["vlan"] = .int(Int64(ovsVLAN)) }
                localPort["ovs"] = .object(ovs)
            }
        }
        if mac == nil {
            guard networkType == .ipvpn else {
                throw ValidationError("Need to specify --mac for an EVPN network attachment if port is not 'netns'")
            }
            mac = "52:54:00:99:99:22"
        }

        let body = try requestBody(localPort: localPort, instanceID: instanceID, gateway: gateway, mac: mac!, ip: ip,
                                   importRTs: shared + importOnlyRouteTargets, exportRTs: shared + exportOnlyRouteTargets)
        try send(operation, body)
    }

    /// `--container` (resolved by its runtime) or `--netns`, which defaults to the instance id.
    private func namespaceTarget(instanceID: String) throws -> NetnsPlumbing.Target {
        guard let container else {
            if containerRuntime != nil { throw ValidationError("--container-runtime needs --container") }
            return .named(netns ?? instanceID)
        }
        guard netns == nil else { throw ValidationError("--netns and --container cannot be combined") }
        let runtime = containerRuntime ?? ContainerNamespace.defaultRuntime()
        return .container(name: container, path: try ContainerNamespace.path(of: container, runtime: runtime))
    }

    /// The body BaGPipe's tool builds, key for key and in its order.
    private func requestBody(localPort: JSONObject, instanceID: String, gateway: String, mac: String, ip: String,
                             importRTs: [String], exportRTs: [String]) throws -> JSONObject {
        var readvertise = JSONValue.null
        if !readvertiseTo.isEmpty {
            readvertise = ["from_rt": .array(readvertiseFrom.map { .string($0) }), "to_rt": .array(readvertiseTo.map { .string($0) })]
        }
        var attractTraffic = JSONObject()
        if !redirectRouteTargets.isEmpty {
            let classifier = JSONObject([("sourcePrefix", sourcePrefix), ("destinationPrefix", destinationPrefix),
                                         ("sourcePort", sourcePort), ("destinationPort", destinationPort), ("protocol", `protocol`)]
                .compactMap { key, value in value.map { (key, JSONValue.string($0)) } })
            guard classifier.count > 0 else {
                throw ValidationError("Need to specify --redirect-rt and at least one traffic classifier option")
            }
            attractTraffic["redirect_rts"] = .array(redirectRouteTargets.map { .string($0) })
            attractTraffic["classifier"] = .object(classifier)
            if !attractToRouteTargets.isEmpty {
                guard !staticDestinationPrefixes.isEmpty else {
                    throw ValidationError("Need to specify --attract-to-rt and at least one static destination prefix option")
                }
                attractTraffic["to"] = .array(attractToRouteTargets.map { .string($0) })
                attractTraffic["static_destination_prefixes"] = .array(staticDestinationPrefixes.map { .string($0) })
            }
        }
        var body: JSONObject = [
            "import_rt": .array(importRTs.map { .string($0) }), "export_rt": .array(exportRTs.map { .string($0) }),
            "local_port": .object(localPort), "vpn_instance_id": .string(instanceID), "vpn_type": .string(networkType!.rawValue),
            "gateway_ip": .string(gateway), "mac_address": .string(mac), "ip_address": .string(ip),
            "advertise_subnet": .bool(advertisement == .advertiseSubnet), "readvertise": readvertise,
            "attract_traffic": .object(attractTraffic), "lb_consistent_hash_order": .int(Int64(lbConsistentHashOrder)),
            "vni": .int(Int64(vni)),
        ]
        if let localPref, localPref != 0 { body["local_pref"] = .int(Int64(localPref)) }
        body["direction"] = .string(direction.rawValue)
        return body
    }

    private func send(_ operation: Operation, _ body: JSONObject) throws {
        let json = JSONValue.object(body).serialized()
        print("request: \(json)")
        let port = apiPort ?? APIConfigFile.port(fromConfigFile: configFile) ?? APIConfigFile.defaultPort
        let response: HTTPClientResponse
        do {
            let client = try BlockingHTTPClient(host: apiHost, port: port, timeout: 30)
            response = try client.request("POST", "/\(operation.rawValue)_localport", headers: ["Content-Type": "application/json"],
                                          body: Array(json.utf8))
        } catch {
            throw CommandFailure("no bagpipe-bgp REST API at http://\(apiHost):\(port): \(error)")
        }
        guard response.status.code == 200 else {
            print("   \(response.bodyText)")
            throw CommandFailure("error \(response.status.code), reason: \(response.status.reasonPhrase)")
        }
        print("response: \(response.status.code) \(response.bodyText)")
    }
}

extension VPNType: ExpressibleByArgument {}
extension Direction: ExpressibleByArgument {}

/// A failure reported as BaGPipe's tool does (`sys.exit(message)`): the message on standard error, exit 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
