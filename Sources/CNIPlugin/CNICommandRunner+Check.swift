import Foundation
import LinuxDataplane
import NetAddress

/// CHECK and STATUS.
extension CNICommandRunner {
    /// Compares the container against `prevResult` (the result of ADD): the interface (MAC, MTU, up,
    /// every address of the result), the host end, the daemon's endpoints (one per address, on the
    /// host end, with the container's MAC), the host end up and in a bridge, then the IPAM plugin's
    /// CHECK.
    /// Routes are not compared: a later plugin of the chain may change them (spec "CHECK").
    func check() throws(CNIError) {
        guard let previous = config.previousResult else { throw CNIError.config("prevResult", "missing (CHECK compares with the result of ADD)") }
        let namespace = environment.networkNamespace
        let name = environment.interfaceName
        guard FileManager.default.fileExists(atPath: namespace) else {
            throw CNIError(.unknownContainer, "CNI_NETNS: \(namespace) does not exist")
        }
        guard let index = previous.interfaces.firstIndex(where: { $0.name == name && $0.sandbox == namespace }) else {
            throw CNIError(.checkFailed, "prevResult has no interface \(name) in \(namespace)")
        }
        guard let container = try kernel("read \(name)", { try VethPair.interface(named: name, namespacePath: namespace) }) else {
            throw CNIError(.checkFailed, "\(name) is missing in \(namespace)")
        }
        if let expected = previous.interfaces[index].mac, MACAddress(expected) != container.mac {
            throw CNIError(.checkFailed, "\(name) has MAC \(container.mac?.description ?? "none"), the result says \(expected)")
        }
        guard container.isUp else { throw CNIError(.checkFailed, "\(name) is down") }
        guard container.mtu == config.mtu else { throw CNIError(.checkFailed, "\(name) has MTU \(container.mtu), the network config says \(config.mtu)") }
        let addresses = previous.ips.filter { $0.interface == index }.map(\.address)
        for address in addresses where !container.addresses.contains(address) {
            throw CNIError(.checkFailed, "\(name) lacks its address \(address)")
        }
        let hostName = key.hostInterfaceName
        guard let host = try kernel("read \(hostName)", { try VethPair.interface(named: hostName) }) else {
            throw CNIError(.checkFailed, "the host end \(hostName) is missing")
        }
        let endpoints = try networkEndpoints().filter { $0.key == key }.map(\.endpoint)
        for address in (addresses.isEmpty ? [nil] : addresses.map { Optional($0) }) {
            guard endpoints.contains(where: { $0.port == hostName && $0.mac == container.mac && $0.ip == address }) else {
                throw CNIError(.checkFailed, "bagpipe-bgp has no endpoint \(container.mac?.description ?? "") \(address?.description ?? "")"
                               + " on \(hostName) in instance \(config.instanceID)")
            }
        }
        guard host.isUp, host.master != nil else { throw CNIError(.checkFailed, "the host end \(hostName) is down or not in a bridge") }
        try ipamPlugin()?.run(.check, config: config, environment: variables)
    }

    /// STATUS (spec 1.1): error 50 when the daemon does not answer `/ping` or the IPAM plugin is not
    /// on CNI_PATH; the IPAM plugin's own STATUS when it speaks 1.1.0.
    func status() throws(CNIError) {
        do {
            try DaemonClient(address: config.api, timeout: 5).ping()
        } catch {
            switch error {
            case .unreachable(let reason): throw CNIError(.pluginNotAvailable, reason)
            case .status(let code, let reason):
                throw CNIError(.pluginNotAvailable, "bagpipe-bgp at \(config.api) answered /ping with \(code): \(reason)")
            }
        }
        let ipam: IPAMPlugin?
        do {
            ipam = try ipamPlugin()
        } catch {
            throw CNIError(.pluginNotAvailable, error.message)
        }
        if let ipam, try ipam.supportedVersions(environment: variables).contains(CNIVersion.v1_1_0.rawValue) {
            try ipam.run(.status, config: config, environment: variables)
        }
    }
}
