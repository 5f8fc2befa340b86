import Foundation
import NetAddress

extension DaemonConfiguration {
    /// Builds the configuration from a parsed INI file.
    ///
    /// - Parameter interfaceAddress: resolves an interface name to its first IPv4 address
    ///   (BaGPipe accepts either for `local_address`).
    public init(ini: INIFile, interfaceAddress: (String) -> IPv4Address? = InterfaceAddresses.firstIPv4) throws(ConfigurationError) {
        var reader = SectionReader(file: ini)

        // [BGP]
        let bgp = "BGP"
        guard ini.section(bgp) != nil else { throw reader.error(section: bgp, key: nil, "missing [BGP] section") }
        guard let localAddressText = reader.string(bgp, "local_address") else {
            throw reader.error(section: bgp, key: "local_address", "required (an IPv4 address or an interface name)")
        }
        localAddress = try reader.address(bgp, "local_address", localAddressText, interfaceAddress)
        guard let myASValue = try reader.integer(bgp, "my_as", in: 1...UInt64(UInt32.max)) else {
            throw reader.error(section: bgp, key: "my_as", "required (an AS number from 1 to 4294967295)")
        }
        myAS = UInt32(myASValue)
        enableRTC = try reader.bool(bgp, "enable_rtc") ?? true
        bgpPort = UInt16(try reader.integer(bgp, "bgp_port", in: 1...65535) ?? 179)
        let peerAS = UInt32(try reader.integer(bgp, "peer_as", in: 1...UInt64(UInt32.max)) ?? UInt64(myASValue))
        let holdTime = try reader.integer(bgp, "hold_time", in: 0...65535) ?? 180
        if (1...2).contains(holdTime) {
            throw reader.error(section: bgp, key: "hold_time", "must be 0 or at least 3 seconds (RFC 4271 §4.2)")
        }
        let md5Key = reader.string(bgp, "md5_password")
        if let md5Key, md5Key.utf8.count > 80 {
            throw reader.error(section: bgp, key: "md5_password", "at most 80 bytes (TCP-MD5 key limit)")
        }
        let ttlSecurity = try reader.integer(bgp, "ttl_security_hops", in: 1...254).map(Int.init)
        let passivePeers = try reader.addressList(bgp, "passive_peers")
        let clusterID = try reader.optionalIPv4(bgp, "route_reflector_cluster_id")
        let clients = reader.string(bgp, "route_reflector_clients")
        let clientAddresses = try reader.addressList(bgp, "route_reflector_clients", allowingWildcard: true)
        routeReflectorClusterID = clusterID
        routerID = try reader.optionalIPv4(bgp, "router_id") ?? localAddress
        let restartTime = try reader.integer(bgp, "graceful_restart_time", in: 1...4095) ?? 120
        gracefulRestartTime = try reader.bool(bgp, "graceful_restart") == true ? UInt16(restartTime) : nil
        if gracefulRestartTime != nil && clusterID != nil {
            // A restarting reflector would send End-of-RIB before re-learning its clients' routes,
            // and its helpers would drop them (RFC 4724 §4.1 route selection deferral: not done).
            throw reader.error(section: bgp, key: "graceful_restart",
                               "not supported with route_reflector_cluster_id (a restarting reflector does not defer its End-of-RIB)")
        }
        duplicateMACMaxMoves = Int(try reader.integer(bgp, "duplicate_mac_max_moves", in: 0...1000) ?? 5)
        duplicateMACTime = Int(try reader.integer(bgp, "duplicate_mac_time", in: 2...1800) ?? 180)

        var peers: [Peer] = []
        for address in try reader.addressList(bgp, "peers") + passivePeers where !peers.contains(where: { $0.address == address }) {
            peers.append(Peer(address: address, peerAS: peerAS, port: bgpPort, holdTime: UInt16(holdTime), md5Key: md5Key,
                              ttlSecurityHops: ttlSecurity, passive: passivePeers.contains(address),
                              routeReflectorClient: clusterID != nil && (clients == "*" || clientAddresses.contains(address))))
        }
        self.peers = peers
        let listen = try reader.bool(bgp, "listen") ?? true
        let configuredListenAddress = try reader.optionalIP(bgp, "listen_address")
        listenAddress = listen ? configuredListenAddress ?? .v4(localAddress) : nil
        listenPort = UInt16(try reader.integer(bgp, "listen_port", in: 1...65535) ?? UInt64(bgpPort))

        // [API]: networking-bagpipe's host/port, or the 2016 api_host/api_port.
        let api = "API"
        let legacyAPIHost = reader.string(api, "api_host")
        apiHost = reader.string(api, "host") ?? legacyAPIHost ?? "127.0.0.1"
        if apiHost == "localhost" { apiHost = "127.0.0.1" }
        let legacyAPIPort = try reader.integer(api, "api_port", in: 1...65535)
        apiPort = UInt16(try reader.integer(api, "port", in: 1...65535) ?? legacyAPIPort ?? 8082)

        // [DATAPLANE_DRIVER_EVPN]
        let evpn = "DATAPLANE_DRIVER_EVPN"
        dataplaneDriver = try reader.driverKind(evpn, "dataplane_driver") ?? .dummy
        if let text = reader.string(evpn, "dataplane_local_address") {
            dataplaneLocalAddress = try reader.address(evpn, "dataplane_local_address", text, interfaceAddress)
        } else {
            dataplaneLocalAddress = localAddress
        }
        vxlanDestinationPort = UInt16(try reader.integer(evpn, "vxlan_dst_port", in: 1...65535) ?? 4789)
        vxlanMTU = try reader.integer(evpn, "mtu", in: 576...65535).map(Int.init)
        legacyShiftedVNI = try reader.bool(evpn, "legacy_vni_encoding") ?? false
        cleanupDataplaneOnShutdown = try reader.bool(evpn, "cleanup_on_shutdown") ?? false
        advertiseLearnedMACs = try reader.bool(evpn, "advertise_learned_macs") ?? false
        learnedMACsPerPort = Int(try reader.integer(evpn, "learned_macs_per_port", in: 1...4096) ?? 16)
        learnedMACsPerSecond = Int(try reader.integer(evpn, "learned_macs_per_second", in: 1...10000) ?? 10)
        if gracefulRestartTime != nil && cleanupDataplaneOnShutdown {
            throw reader.error(section: evpn, key: "cleanup_on_shutdown",
                               "cannot be set with [BGP] graceful_restart: the kernel state must outlive a restart")
        }

        // [COMMON]
        let stateFileText = reader.string("COMMON", "state_file") ?? "/var/lib/bagpipe-bgp/attachments.json"
        stateFile = stateFileText.isEmpty ? nil : stateFileText
        let window = try reader.integer("COMMON", "resync_window", in: 0...86400) ?? UInt64(gracefulRestartTime ?? 120)
        resyncWindow = window == 0 ? nil : Double(window)

        warnings = reader.finish()
    }
}

/// Reads typed values out of an INI file and remembers which keys were used, so that the rest
/// can be reported: legacy keys with a note, unknown keys as warnings.
struct SectionReader {
    let file: INIFile
    private var used: Set<String> = []

    init(file: INIFile) { self.file = file }

    /// Keys BaGPipe had that no longer change anything here, with the reason.
    static let legacyKeys: [String: String] = [
        "COMMON.root_helper": "swift-bagpipe programs the kernel over netlink and needs no root helper",
        "COMMON.root_helper_daemon": "swift-bagpipe programs the kernel over netlink and needs no root helper",
        "DATAPLANE_DRIVER_EVPN.ovs_bridge": "the OVS driver is not supported",
        "DATAPLANE_DRIVER_EVPN.ovsbr_interfaces_mtu": "the OVS driver is not supported",
    ]
    /// Sections that are accepted but ignored.
    static let legacySections: [String: String] = [
        "DATAPLANE_DRIVER": "obsolete section (use [DATAPLANE_DRIVER_EVPN])",
        "DATAPLANE_DRIVER_IPVPN": "IP VPN is not supported yet; the section is ignored",
    ]

    mutating func string(_ section: String, _ key: String) -> String? {
        guard let entry = file.section(section)?.entry(key) else { return nil }
        used.insert("\(section).\(key)")
        return entry.value
    }

    func line(_ section: String, _ key: String?) -> Int? {
        guard let found = file.section(section) else { return nil }
        guard let key else { return found.line }
        return found.entry(key)?.line ?? found.line
    }

    func error(section: String, key: String?, _ message: String) -> ConfigurationError {
        ConfigurationError(path: file.path, line: line(section, key), key: key.map { "[\(section)] \($0)" }, message: message)
    }

    mutating func integer(_ section: String, _ key: String, in range: ClosedRange<UInt64>) throws(ConfigurationError) -> UInt64? {
        guard let text = string(section, key) else { return nil }
        guard let value = UInt64(text), range.contains(value) else {
            throw error(section: section, key: key, "must be an integer from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }

    mutating func bool(_ section: String, _ key: String) throws(ConfigurationError) -> Bool? {
        guard let text = string(section, key) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw error(section: section, key: key, "must be true or false, not '\(text)'")
        }
    }

    func address(_ section: String, _ key: String, _ text: String,
                 _ interfaceAddress: (String) -> IPv4Address?) throws(ConfigurationError) -> IPv4Address {
        if let address = IPv4Address(text) { return address }
        if let address = interfaceAddress(text) { return address }
        throw error(section: section, key: key, "'\(text)' is neither an IPv4 address nor an interface with an IPv4 address")
    }

    mutating func optionalIPv4(_ section: String, _ key: String) throws(ConfigurationError) -> IPv4Address? {
        guard let text = string(section, key) else { return nil }
        guard let address = IPv4Address(text) else { throw error(section: section, key: key, "'\(text)' is not an IPv4 address") }
        return address
    }

    mutating func optionalIP(_ section: String, _ key: String) throws(ConfigurationError) -> IPAddress? {
        guard let text = string(section, key) else { return nil }
        guard let address = IPAddress(text) else { throw error(section: section, key: key, "'\(text)' is not an IP address") }
        return address
    }

    /// A comma-separated list of addresses (BaGPipe's `peers` format); `*` allowed when asked.
    mutating func addressList(_ section: String, _ key: String, allowingWildcard: Bool = false) throws(ConfigurationError) -> [IPAddress] {
        guard let text = string(section, key) else { return [] }
        var result: [IPAddress] = []
        for item in text.split(whereSeparator: { $0 == "," || $0 == "\n" }).map({ $0.trimmingWhitespace() }) where !item.isEmpty {
            if allowingWildcard && item == "*" { continue }
            guard let address = IPAddress(item) else { throw error(section: section, key: key, "'\(item)' is not an IP address") }
            result.append(address)
        }
        return result
    }

    /// BaGPipe's driver names: stevedore names and the legacy dotted class paths.
    mutating func driverKind(_ section: String, _ key: String) throws(ConfigurationError) -> DaemonConfiguration.DataplaneDriverKind? {
        guard let text = string(section, key) else { return nil }
        let name = text.split(separator: ".").last.map(String.init) ?? text
        switch name {
        case "linux", "LinuxVXLANDataplaneDriver", "linux_vxlan": return .linux
        case "dummy", "DummyDataplaneDriver": return .dummy
        case "ovs", "OVSDataplaneDriver":
            throw error(section: section, key: key, "the OVS driver is not supported; use 'linux' or 'dummy'")
        default:
            throw error(section: section, key: key, "unknown driver '\(text)'; use 'linux' or 'dummy'")
        }
    }

    /// Warnings for every key or section that was not used.
    func finish() -> [String] {
        var warnings: [String] = []
        for section in file.sections {
            if let reason = Self.legacySections[section.name] {
                warnings.append("\(file.path):\(section.line): [\(section.name)]: \(reason)")
                continue
            }
            for entry in section.entries where !used.contains("\(section.name).\(entry.key)") {
                let qualified = "\(section.name).\(entry.key)"
                let reason = Self.legacyKeys[qualified] ?? "unknown key, ignored"
                warnings.append("\(file.path):\(entry.line): [\(section.name)] \(entry.key): \(reason)")
            }
        }
        return warnings
    }
}

extension DaemonConfiguration {
    /// Reads and parses the file at `path`.
    public static func load(path: String) throws -> DaemonConfiguration {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(path: path, line: nil, key: nil, message: "cannot read the file")
        }
        return try DaemonConfiguration(ini: INIFile(parsing: text, path: path))
    }
}
