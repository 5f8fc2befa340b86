import BagpipeAPI
import Foundation
import LinuxDataplane
import NetAddress
import OrderedJSON

/// One invocation of the plugin: its environment, its network config, and the shared steps of the
/// commands (in `CNICommandRunner+*.swift`): the daemon's requests, the IPAM plugin, kernel calls.
struct CNICommandRunner {
    let environment: CNIEnvironment
    /// Every environment variable, passed on to the IPAM plugin.
    let variables: [String: String]
    let config: NetworkConfig

    var key: AttachmentKey { AttachmentKey(containerID: environment.containerID, interfaceName: environment.interfaceName) }
    var daemon: DaemonClient { DaemonClient(address: config.api) }

    /// The IPAM plugin of `ipam.type`, or nil when the network has no `ipam` section.
    func ipamPlugin() throws(CNIError) -> IPAMPlugin? {
        try config.ipamType.map { type throws(CNIError) in try IPAMPlugin(type: type, searchPath: environment.pluginPath) }
    }

    // MARK: the daemon

    /// A daemon request; not answering is error 11 (try again later), an error status is 100.
    func daemonCall<T>(_ what: String, _ body: () throws(DaemonClient.Failure) -> T) throws(CNIError) -> T {
        do {
            return try body()
        } catch {
            switch error {
            case .unreachable(let reason): throw CNIError(.tryAgainLater, "\(what): \(reason)")
            case .status(let code, let reason): throw CNIError(.daemonRefused, "\(what): bagpipe-bgp answered \(code): \(reason)")
            }
        }
    }

    /// The endpoints the daemon holds in this network's instance that the plugin attached for this
    /// network, with their attachment's key.
    func networkEndpoints() throws(CNIError) -> [(key: AttachmentKey, endpoint: DaemonEndpoint)] {
        try daemonCall("looking glass") { () throws(DaemonClient.Failure) in try daemon.endpoints(instance: config.instanceID) }
            .compactMap { endpoint in
                guard let (network, key) = endpoint.description.flatMap(AttachmentKey.parse(endpointDescription:)),
                      network == config.name else { return nil }
                return (key, endpoint)
            }
    }

    /// This network's instance, route targets and VNI, from its config.
    var instanceTarget: InstanceTarget {
        InstanceTarget(id: config.instanceID, importRouteTargets: config.importRouteTargets.map(\.description),
                       exportRouteTargets: config.exportRouteTargets.map(\.description), vni: config.vni)
    }

    /// The body of the attach of one endpoint of `key` in `network` (bagpipe.md §3).
    func attachBody(_ target: InstanceTarget, network: String, key: AttachmentKey, mac: MACAddress, port: String, ip: IPPrefix?,
                    gateway: IPAddress?) -> JSONObject {
        var body = portFields(instance: target.id, mac: mac, port: port)
        body["import_rt"] = .array(target.importRouteTargets.map { .string($0) })
        body["export_rt"] = .array(target.exportRouteTargets.map { .string($0) })
        if let ip { body["ip_address"] = .string(ip.description) }
        if let gateway { body["gateway_ip"] = .string(gateway.description) }
        if let vni = target.vni { body["vni"] = .int(Int64(vni)) }
        body["description"] = key.endpointDescription(network: network)
        return body
    }

    /// Detaches `endpoints` (as listed by the looking glass).
    func detach(_ endpoints: [DaemonEndpoint]) throws(CNIError) {
        for endpoint in endpoints {
            var body = portFields(instance: config.instanceID, mac: endpoint.mac, port: endpoint.port)
            if let ip = endpoint.ip { body["ip_address"] = .string(ip.description) }
            try daemonCall("detach \(endpoint.mac) \(endpoint.ip?.description ?? "")") { () throws(DaemonClient.Failure) in try daemon.detach(body) }
        }
    }

    /// The fields an attach and a detach share (bagpipe.md §3).
    func portFields(instance: String, mac: MACAddress, port: String) -> JSONObject {
        ["vpn_type": "evpn", "vpn_instance_id": .string(instance), "mac_address": .string(mac.description),
         "local_port": ["linuxif": .string(port)]]
    }

    // MARK: the kernel

    /// A netlink operation; its failure is error 5 saying what was being done.
    func kernel<T>(_ what: String, _ body: () throws -> T) throws(CNIError) -> T {
        do {
            return try body()
        } catch {
            throw CNIError(.ioFailure, "\(what): \(error)")
        }
    }

    /// Removes the host end of `key`'s veth (and with it the container end), if it is there.
    func deleteVeth(of key: AttachmentKey) throws(CNIError) {
        _ = try kernel("delete \(key.hostInterfaceName)") { try VethPair.deleteInterface(named: key.hostInterfaceName) }
    }
}
