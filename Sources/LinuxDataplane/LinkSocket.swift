import CNetlink
import Glibc
import NetAddress

/// What the driver needs to know about one network interface.
struct LinkInfo: Hashable, Sendable {
    var index: Int32
    var name: String
    /// `bridge`, `vxlan`, `veth`, ... (nil for devices without rtnl_link_ops, e.g. `lo`).
    var kind: String?
    /// The ifindex of the bridge this link is enslaved to, or 0.
    var master: Int32
    var alias: String?
    var mtu: UInt32
    var isUp: Bool
    /// The VNI of a vxlan device.
    var vni: UInt32?
    var address: MACAddress?
}

/// Links, addresses and routes over libnl-route-3 (rtnetlink, RFC 3549). The socket belongs to
/// the network namespace of the thread that created it.
final class LinkSocket {
    private let socket: OpaquePointer

    init() throws {
        guard let socket = nl_socket_alloc() else { throw LinuxDataplaneError.system(operation: "nl_socket_alloc", errno: ENOMEM) }
        let result = nl_connect(socket, NETLINK_ROUTE)
        guard result >= 0 else {
            nl_socket_free(socket)
            throw LinuxDataplaneError.kernelRefused(operation: "nl_connect", code: -result, message: Self.text(result))
        }
        self.socket = socket
    }

    deinit { nl_socket_free(socket) }

    static func text(_ code: Int32) -> String { String(cString: nl_geterror(code)) }

    private func check(_ result: Int32, _ operation: @autoclosure () -> String) throws {
        guard result < 0 else { return }
        throw LinuxDataplaneError.kernelRefused(operation: operation(), code: -result, message: Self.text(result))
    }

    // MARK: reading

    /// Every link in the namespace.
    func links() throws -> [LinkInfo] {
        var cache: OpaquePointer?
        try check(rtnl_link_alloc_cache(socket, AF_UNSPEC, &cache), "list links")
        defer { nl_cache_free(cache) }
        var result: [LinkInfo] = []
        var object = nl_cache_get_first(cache)
        while let current = object {
            result.append(Self.info(current))
            object = nl_cache_get_next(current)
        }
        return result
    }

    /// The link called `name`, or nil if there is none.
    func link(named name: String) throws -> LinkInfo? {
        var link: OpaquePointer?
        let result = rtnl_link_get_kernel(socket, 0, name, &link)
        if result == -NLE_OBJ_NOTFOUND || result == -NLE_NODEV { return nil }
        try check(result, "get link \(name)")
        defer { rtnl_link_put(link) }
        return Self.info(link!)
    }

    /// The link called `name`; throws `noSuchInterface(name)` if there is none.
    func require(_ name: String) throws -> LinkInfo {
        guard let info = try link(named: name) else { throw LinuxDataplaneError.noSuchInterface(name) }
        return info
    }

    private static func info(_ link: OpaquePointer) -> LinkInfo {
        var vni: UInt32?
        let kind = rtnl_link_get_type(link).map { String(cString: $0) }
        if kind == "vxlan" {
            var id: UInt32 = 0
            if rtnl_link_vxlan_get_id(link, &id) == 0 { vni = id }
        }
        var mac: MACAddress?
        if let address = rtnl_link_get_addr(link), nl_addr_get_len(address) == 6 {
            mac = MACAddress(bytes: UnsafeRawBufferPointer(start: nl_addr_get_binary_addr(address), count: 6))
        }
        return LinkInfo(index: rtnl_link_get_ifindex(link), name: String(cString: rtnl_link_get_name(link)),
                        kind: kind, master: rtnl_link_get_master(link),
                        alias: rtnl_link_get_ifalias(link).map { String(cString: $0) },
                        mtu: rtnl_link_get_mtu(link), isUp: rtnl_link_get_flags(link) & UInt32(IFF_UP) != 0,
                        vni: vni, address: mac)
    }

    /// (ifindex, address, prefix length) of every address in the namespace.
    func addresses() throws -> [(index: Int32, address: IPAddress, prefixLength: Int)] {
        var cache: OpaquePointer?
        try check(rtnl_addr_alloc_cache(socket, &cache), "list addresses")
        defer { nl_cache_free(cache) }
        var result: [(Int32, IPAddress, Int)] = []
        var object = nl_cache_get_first(cache)
        while let current = object {
            if let local = rtnl_addr_get_local(current), let ip = Self.ipAddress(local) {
                result.append((rtnl_addr_get_ifindex(current), ip, Int(rtnl_addr_get_prefixlen(current))))
            }
            object = nl_cache_get_next(current)
        }
        return result
    }

    static func ipAddress(_ address: OpaquePointer) -> IPAddress? {
        let length = Int(nl_addr_get_len(address))
        guard length == 4 || length == 16 else { return nil }
        return IPAddress(bytes: UnsafeRawBufferPointer(start: nl_addr_get_binary_addr(address), count: length))
    }

    static func nlAddress(_ ip: IPAddress, prefixLength: Int? = nil) -> OpaquePointer {
        var bytes = ip.bytes
        let address = nl_addr_build(ip.isIPv4 ? AF_INET : AF_INET6, &bytes, bytes.count)!
        nl_addr_set_prefixlen(address, Int32(prefixLength ?? ip.bitLength))
        return address
    }

    static func nlAddress(_ mac: MACAddress) -> OpaquePointer {
        var bytes = mac.bytes
        return nl_addr_build(AF_LLC, &bytes, 6)!
    }

    // MARK: creating and changing

    /// Sets the common attributes of a link object about to be created.
    private func prepare(_ link: OpaquePointer, name: String, mtu: UInt32?, master: Int32?, up: Bool) {
        rtnl_link_set_name(link, name)
        if let mtu { rtnl_link_set_mtu(link, mtu) }
        if let master { rtnl_link_set_master(link, master) }
        if up { rtnl_link_set_flags(link, UInt32(IFF_UP)) }
    }

    func createBridge(name: String, up: Bool) throws {
        let link = rtnl_link_bridge_alloc()!
        defer { rtnl_link_put(link) }
        prepare(link, name: name, mtu: nil, master: nil, up: up)
        try check(rtnl_link_add(socket, link, NLM_F_CREATE | NLM_F_EXCL), "create bridge \(name)")
    }

    /// `ip link add NAME type vxlan id VNI local LOCAL dstport PORT nolearning [proxy] mtu MTU master BR up`.
    func createVXLAN(name: String, vni: UInt32, local: IPAddress, port: UInt16, proxy: Bool, mtu: UInt32,
                     master: Int32) throws {
        let link = rtnl_link_vxlan_alloc()!
        defer { rtnl_link_put(link) }
        prepare(link, name: name, mtu: mtu, master: master, up: true)
        let address = Self.nlAddress(local)
        defer { nl_addr_put(address) }
        try check(rtnl_link_vxlan_set_id(link, vni), "vxlan \(name): VNI \(vni)")
        try check(rtnl_link_vxlan_set_local(link, address), "vxlan \(name): local \(local)")
        try check(rtnl_link_vxlan_set_port(link, UInt32(port)), "vxlan \(name): dstport \(port)")
        try check(rtnl_link_vxlan_set_learning(link, 0), "vxlan \(name): nolearning")
        try check(rtnl_link_vxlan_set_proxy(link, proxy ? 1 : 0), "vxlan \(name): proxy")
        try check(rtnl_link_add(socket, link, NLM_F_CREATE | NLM_F_EXCL), "create vxlan \(name)")
    }

    /// A veth pair: `name` here (up), `peer` in the namespace open at `peerNamespace` (down, to
    /// be configured there).
    func createVeth(name: String, mtu: UInt32, peer: String, peerNamespace: Int32) throws {
        let link = rtnl_link_veth_alloc()!
        defer { rtnl_link_put(link) }
        prepare(link, name: name, mtu: mtu, master: nil, up: true)
        let peerLink = rtnl_link_veth_get_peer(link)!
        defer { rtnl_link_put(peerLink) }
        rtnl_link_set_name(peerLink, peer)
        rtnl_link_set_ns_fd(peerLink, peerNamespace)
        try check(rtnl_link_add(socket, link, NLM_F_CREATE | NLM_F_EXCL), "create veth \(name) (peer \(peer))")
    }

    /// Changes an existing link: each non-nil argument is applied.
    func change(_ index: Int32, name: String, up: Bool? = nil, mtu: UInt32? = nil, alias: String? = nil,
                master: Int32? = nil, address: MACAddress? = nil) throws {
        let original = rtnl_link_alloc()!
        defer { rtnl_link_put(original) }
        rtnl_link_set_ifindex(original, index)
        let changes = rtnl_link_alloc()!
        defer { rtnl_link_put(changes) }
        if let up {
            if up { rtnl_link_set_flags(changes, UInt32(IFF_UP)) } else { rtnl_link_unset_flags(changes, UInt32(IFF_UP)) }
        }
        if let mtu { rtnl_link_set_mtu(changes, mtu) }
        if let alias { rtnl_link_set_ifalias(changes, alias) }
        if let master { rtnl_link_set_master(changes, master) }
        if let address {
            let nl = Self.nlAddress(address)
            rtnl_link_set_addr(changes, nl)
            nl_addr_put(nl)
        }
        try check(rtnl_link_change(socket, original, changes, 0), "change link \(name)")
    }

    func delete(_ index: Int32, name: String) throws {
        let link = rtnl_link_alloc()!
        defer { rtnl_link_put(link) }
        rtnl_link_set_ifindex(link, index)
        let result = rtnl_link_delete(socket, link)
        if result == -NLE_NODEV || result == -NLE_OBJ_NOTFOUND { return }
        try check(result, "delete link \(name)")
    }

    /// `ip addr replace PREFIX dev INDEX`.
    func addAddress(_ prefix: IPPrefix, index: Int32, name: String) throws {
        let address = rtnl_addr_alloc()!
        defer { rtnl_addr_put(address) }
        rtnl_addr_set_ifindex(address, index)
        let local = Self.nlAddress(prefix.address, prefixLength: prefix.length)
        defer { nl_addr_put(local) }
        try check(rtnl_addr_set_local(address, local), "address \(prefix)")
        try check(rtnl_addr_add(socket, address, NLM_F_REPLACE), "add address \(prefix) to \(name)")
    }

    /// `ip route replace DESTINATION [via GATEWAY] dev INDEX`: without a gateway, a route on the link
    /// (scope link).
    func replaceRoute(to destination: IPPrefix, via gateway: IPAddress?, index: Int32, name: String) throws {
        let route = rtnl_route_alloc()!
        defer { rtnl_route_put(route) }
        let target = Self.nlAddress(destination.address, prefixLength: destination.length)
        defer { nl_addr_put(target) }
        rtnl_route_set_family(route, UInt8(destination.address.isIPv4 ? AF_INET : AF_INET6))
        try check(rtnl_route_set_dst(route, target), "route destination \(destination)")
        let hop = rtnl_route_nh_alloc()!
        rtnl_route_nh_set_ifindex(hop, index)
        if let gateway {
            let via = Self.nlAddress(gateway)
            rtnl_route_nh_set_gateway(hop, via)
            nl_addr_put(via)
        } else {
            rtnl_route_set_scope(route, UInt8(RT_SCOPE_LINK.rawValue))
        }
        rtnl_route_add_nexthop(route, hop)   // the route owns the hop from here on
        let text = "route \(destination)\(gateway.map { " via \($0)" } ?? "") dev \(name)"
        try check(rtnl_route_add(socket, route, NLM_F_CREATE | NLM_F_REPLACE), text)
    }
}
