import Foundation
import LinuxDataplane
import NetAddress
import OrderedJSON

/// ADD: IPAM allocation, the veth into the container, the attach of each address to the daemon.
extension CNICommandRunner {
    /// Returns the result document. If a step fails, what the earlier ones made is undone (attaches
    /// detached, veth deleted, IPAM lease released) before the error is returned.
    func add() throws(CNIError) -> JSONValue {
        let namespace = environment.networkNamespace
        guard FileManager.default.fileExists(atPath: namespace) else {
            throw CNIError(.unknownContainer, "CNI_NETNS: \(namespace) does not exist")
        }
        let existing = try kernel("read \(environment.interfaceName) in \(namespace)") {
            try VethPair.interface(named: environment.interfaceName, namespacePath: namespace)
        }
        if existing != nil { throw CNIError.environment("CNI_IFNAME", "\(environment.interfaceName) already exists in \(namespace)") }
        let ipam = try ipamPlugin()
        let allocation = try ipam?.add(config: config, environment: variables) ?? CNIResult()
        let result: CNIResult
        do {
            result = try plug(allocation)
        } catch {
            _ = try? ipam?.run(.del, config: config, environment: variables)
            throw error
        }
        return (config.previousResult.map { result.appended(to: $0) } ?? result).json(version: config.cniVersion)
    }

    /// The veth with the allocated addresses and routes, then one attach per address (one MAC-only
    /// attach without addresses).
    private func plug(_ allocation: CNIResult) throws(CNIError) -> CNIResult {
        let hostName = key.hostInterfaceName
        let routes = allocation.routes.map { route in
            ContainerRoute(destination: route.destination, gateway: route.gateway ?? defaultGateway(for: route.destination.address, in: allocation))
        }
        let pair = try kernel("veth \(hostName) to \(environment.interfaceName) in \(environment.networkNamespace)") {
            try VethPair.create(VethPairSpec(
                hostName: hostName, hostMTU: config.mtu, containerNamespacePath: environment.networkNamespace,
                containerName: environment.interfaceName, containerMTU: config.mtu,
                addresses: allocation.ips.map(\.address), routes: routes))
        }
        var attached: [DaemonEndpoint] = []
        do throws(CNIError) {
            guard let mac = pair.container.mac else { throw CNIError(.ioFailure, "\(environment.interfaceName) has no MAC address") }
            let addresses: [CNIResult.IPConfig?] = allocation.ips.isEmpty ? [nil] : allocation.ips
            for ip in addresses {
                let body = attachBody(instanceTarget, network: config.name, key: key, mac: mac, port: hostName, ip: ip?.address,
                                      gateway: config.gateway ?? ip?.gateway)
                try daemonCall("attach \(mac) \(ip?.address.description ?? "")") { () throws(DaemonClient.Failure) in try daemon.attach(body) }
                attached.append(DaemonEndpoint(port: hostName, mac: mac, ip: ip?.address, description: nil))
            }
        } catch {
            _ = try? detach(Array(attached.reversed()))
            _ = try? deleteVeth(of: key)
            throw error
        }
        var result = CNIResult()
        result.interfaces = [
            .init(name: hostName, mac: pair.host.mac?.description, mtu: Int64(pair.host.mtu), sandbox: nil),
            .init(name: environment.interfaceName, mac: pair.container.mac?.description, mtu: Int64(pair.container.mtu),
                  sandbox: environment.networkNamespace),
        ]
        result.ips = allocation.ips.map { .init(address: $0.address, gateway: $0.gateway, interface: 1) }
        result.routes = allocation.routes
        result.dns = allocation.dns?.count ?? 0 > 0 ? allocation.dns : config.dns
        return result
    }

    /// The next hop of a route that names none: the gateway of the allocated address of its family,
    /// else the network's `gateway` of that family; nil makes it a route on the link.
    private func defaultGateway(for destination: IPAddress, in allocation: CNIResult) -> IPAddress? {
        let family = destination.isIPv4
        return allocation.ips.first { $0.address.address.isIPv4 == family && $0.gateway != nil }?.gateway
            ?? config.gateway.flatMap { $0.isIPv4 == family ? $0 : nil }
    }
}
