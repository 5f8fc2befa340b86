import BagpipeAPI
import NetAddress
import OrderedJSON

/// A VPN service with BaGPipe's attach/detach semantics and looking-glass shape, without BGP or a dataplane,
/// so the whole API can be exercised without the daemon.
final class FakeVPNService: VPNService {
    struct Instance {
        var type: VPNType
        var importRouteTargets: [APIRouteTarget]
        var exportRouteTargets: [APIRouteTarget]
        var vni: UInt32
        var description: JSONValue?
        var gatewayIP: IPAddress?
        /// MAC → the port it was plugged through.
        var portOfMAC: [MACAddress: LocalPort] = [:]
        /// Endpoints in attach order.
        var endpoints: [(mac: MACAddress, ip: IPPrefix?, description: JSONValue?)] = []
    }

    var supportedVPNTypes: Set<VPNType> = [.evpn]
    private(set) var instances: [String: Instance] = [:]
    private(set) var instanceOrder: [String] = []
    private(set) var attachCount = 0
    private var nextVNI: UInt32 = 1
    var failNextAttach: String?

    func attach(_ request: AttachRequest) throws(APIError) {
        if let reason = failNextAttach {
            failNextAttach = nil
            throw .internalError(reason)
        }
        guard request.direction == .both else { throw .unsupportedDirection(request.direction) }
        if instances[request.vpnInstanceID] == nil {
            if let vni = request.vni, instances.values.contains(where: { $0.vni == vni }) { throw .vniInUse(vni) }
            let vni = request.vni ?? allocateVNI()
            instances[request.vpnInstanceID] = Instance(type: request.vpnType, importRouteTargets: request.importRouteTargets,
                                                        exportRouteTargets: request.exportRouteTargets, vni: vni)
            instanceOrder.append(request.vpnInstanceID)
        }
        var instance = instances[request.vpnInstanceID]!
        guard instance.type == request.vpnType else {
            throw .internalError("Found an existing vpn_instance with a different type")
        }
        if let previous = instance.portOfMAC[request.macAddress], previous != request.localPort {
            throw .macBoundToAnotherPort(previous: previous, new: request.localPort)
        }
        if let ip = request.ipAddress {
            let bound = instance.endpoints.filter { $0.ip == ip }.map(\.mac)
            if !bound.isEmpty && !bound.contains(request.macAddress) {
                throw .ipBoundToAnotherMAC(ip: ip, mac: request.macAddress, boundMACs: bound)
            }
        }
        instance.importRouteTargets = request.importRouteTargets
        instance.exportRouteTargets = request.exportRouteTargets
        instance.description = request.instanceDescription
        instance.gatewayIP = request.gatewayIP
        instance.portOfMAC[request.macAddress] = request.localPort
        if !instance.endpoints.contains(where: { $0.mac == request.macAddress && $0.ip == request.ipAddress }) {
            instance.endpoints.append((request.macAddress, request.ipAddress, request.description))
        }
        instances[request.vpnInstanceID] = instance
        attachCount += 1
    }

    func detach(_ request: DetachRequest) throws(APIError) {
        guard var instance = instances[request.vpnInstanceID] else { throw .vpnNotFound(request.vpnInstanceID) }
        let matching = instance.endpoints.filter { $0.mac == request.macAddress && (request.ipAddress == nil || $0.ip == request.ipAddress) }
        guard !matching.isEmpty else { throw .endpointNotPlugged(mac: request.macAddress, ip: request.ipAddress) }
        instance.endpoints.removeAll { $0.mac == request.macAddress && (request.ipAddress == nil || $0.ip == request.ipAddress) }
        if !instance.endpoints.contains(where: { $0.mac == request.macAddress }) { instance.portOfMAC[request.macAddress] = nil }
        if instance.endpoints.isEmpty {
            instances[request.vpnInstanceID] = nil
            instanceOrder.removeAll { $0 == request.vpnInstanceID }
        } else {
            instances[request.vpnInstanceID] = instance
        }
    }

    private func allocateVNI() -> UInt32 {
        while instances.values.contains(where: { $0.vni == nextVNI }) { nextVNI += 1 }
        defer { nextVNI += 1 }
        return nextVNI
    }

    func lookingGlass(_ context: LookingGlassContext) -> LookingGlassNode {
        LookingGlassNode([
            ("summary", .value([
                "BGP_established_peers": 1,
                "route_counts": ["local_routes_count": .int(Int64(localRouteCount)), "received_routes_count": 0],
                "vpn_instances_count": .int(Int64(instances.count)),
                "warnings_and_errors": 0,
                "start_time": "2026-01-01 00:00:00",
                "version": "swift-bagpipe test",
            ])),
            ("config", .subtree { ["API": ["host": "127.0.0.1", "port": 8082], "BGP": ["my_as": 64512]] }),
            ("bgp", .node { [unowned self] in self.bgpNode(context) }),
            ("vpns", .node { [unowned self] in self.vpnsNode(context) }),
            ("logs", .subtree { [] }),
        ])
    }

    private var localRouteCount: Int { instances.values.reduce(0) { $0 + $1.endpoints.count + 1 } }

    private func bgpNode(_ context: LookingGlassContext) -> LookingGlassNode {
        LookingGlassNode([
            ("peers", .collection(list: { [["id": "192.0.2.1", "state": "Established"]] }, member: { id in
                id == "192.0.2.1" ? LookingGlassNode([
                    ("peeringAddresses", .value(["peer_address": "192.0.2.1", "local_address": "192.0.2.2"])),
                    ("protocol", .value(["state": "Established", "hold_time": 180])),
                ]) : nil
            })),
        ])
    }

    private func vpnsNode(_ context: LookingGlassContext) -> LookingGlassNode {
        LookingGlassNode([
            ("instances", .collection(list: { [unowned self] in
                self.instanceOrder.map { id in
                    var item: JSONObject = ["id": .string(id), "name": .string("EVI-\(self.instances[id]!.vni)")]
                    if let description = self.instances[id]!.description { item["description"] = description }
                    return item
                }
            }, member: { [unowned self] id in self.instances[id].map { self.instanceNode(id, $0, context) } })),
            ("instances_per_vni", .value(.object(JSONObject(instanceOrder.map { id in
                (String(instances[id]!.vni), ["name": .string("EVI-\(instances[id]!.vni)"), "external_instance_id": .string(id)])
            })))),
        ])
    }

    private func instanceNode(_ id: String, _ instance: Instance, _ context: LookingGlassContext) -> LookingGlassNode {
        LookingGlassNode([
            ("instance_type", .value("EVI")),
            ("external_instance_id", .value(.string(id))),
            ("description", .value(instance.description ?? .null)),
            ("gateway_ip", .value(instance.gatewayIP.map { .string($0.description) } ?? .null)),
            ("instance_dataplane_id", .value(.int(Int64(instance.vni)))),
            ("route_targets", .value([
                "import": .array(instance.importRouteTargets.map { .string("target:\($0)") }),
                "export": .array(instance.exportRouteTargets.map { .string("target:\($0)") }),
            ])),
            ("name", .value(.string("EVI-\(instance.vni)"))),
            ("ports", .subtree {
                var ports = JSONObject()
                for (mac, port) in instance.portOfMAC.sorted(by: { $0.key < $1.key }) {
                    let endpoints = instance.endpoints.filter { $0.mac == mac }.map { endpoint -> JSONValue in
                        ["mac_address": .string(mac.description), "ip_address": endpoint.ip.map { .string($0.description) } ?? .null,
                         "description": endpoint.description ?? .null, "direction": "both"]
                    }
                    ports[port.linuxInterface ?? "?"] = ["endpoints": .array(endpoints)]
                }
                return .object(ports)
            }),
            ("self", .value(context.link(["vpns", "instances", id]))),
        ])
    }
}
