import BagpipeAPI
import BGPSpeaker
import BGPWire
import EVPN
import Foundation
import NetAddress
import OrderedJSON

/// The looking-glass tree (BaGPipe's layout, docs/rest-api.md), built on demand from snapshots.
extension Daemon {
    public func lookingGlass(_ context: LookingGlassContext) -> LookingGlassNode {
        LookingGlassNode([
            ("summary", .value(summaryJSON())),
            ("config", .subtree { [unowned self] in configJSON() }),
            ("bgp", .node { [unowned self] in bgpNode(context) }),
            ("vpns", .node { [unowned self] in vpnsNode(context) }),
            ("logs", .subtree { [unowned self] in logsJSON() }),
            ("state", .subtree { [unowned self] in stateJSON() }),
        ])
    }

    /// Ours: the state file (how writing it goes, attachments waiting for their interface) and
    /// the client re-sync after a restart.
    private func stateJSON() -> JSONValue {
        var file: JSONValue = .null
        if let store = attachmentStore {
            let status = store.writeStatus
            file = ["path": .string(store.path), "writes": .int(Int64(status.writes)),
                    "failed_writes": .int(Int64(status.failedWrites)),
                    "last_error": status.lastError.map { .string($0) } ?? .null,
                    "waiting_for_interface": .array(store.waiting.values.sorted { $0.macAddress < $1.macAddress }.map { request in
                        ["vpn_instance_id": .string(request.vpnInstanceID), "mac_address": .string(request.macAddress.description),
                         "ip_address": request.ipAddress.map { .string($0.description) } ?? .null,
                         "local_port": .string(request.localPort.linuxInterface ?? "")]
                    })]
        }
        let phase = switch resync.phase {
        case .waitingForClients: "waiting for clients"
        case .open: "open"
        case .closed: "closed"
        }
        return ["state_file": file,
                "resync": ["window_seconds": resync.window.map { .int(Int64($0)) } ?? .null,
                           "phase": .string(phase),
                           "provisional_attachments": .int(Int64(resync.provisional.count)),
                           "device_reconciliation_deferred": .bool(resync.reconcileDeferred)]]
    }

    /// EVPN routes held from peers: what `received_routes_count` counts (RT membership routes are
    /// control information and are left out).
    private var receivedEVPNRoutes: Int {
        router.peerSnapshots().reduce(0) { $0 + ($1.receivedRoutes[.l2vpnEVPN] ?? 0) }
    }

    private func summaryJSON() -> JSONValue {
        let summary = router.summary()
        let established = speaker.peerSnapshots.filter { $0.state == .established }.count
        return [
            "BGP_established_peers": .int(Int64(established)),
            "route_counts": ["local_routes_count": .int(Int64(summary.localRoutes)),
                             "received_routes_count": .int(Int64(receivedEVPNRoutes))],
            "vpn_instances_count": .int(Int64(summary.instances)),
            "warnings_and_errors": .int(Int64(logSink.warningsAndErrors)),
            "start_time": .string(Self.timeText(startTime)),
            "version": .string("swift-bagpipe \(swiftBagpipeVersion)"),
        ]
    }

    private func configJSON() -> JSONValue {
        let config = configuration
        return [
            "BGP": ["local_address": .string(config.localAddress.description),
                    "peers": .array(config.peers.map { .string($0.address.description) }),
                    "my_as": .int(Int64(config.myAS)), "enable_rtc": .bool(config.enableRTC),
                    "bgp_port": .int(Int64(config.bgpPort)),
                    "router_id": .string(config.routerID.description),
                    "listen_address": config.listenAddress.map { .string($0.description) } ?? .null,
                    "route_reflector_cluster_id": config.routeReflectorClusterID.map { .string($0.description) } ?? .null,
                    "graceful_restart": .bool(config.gracefulRestartTime != nil),
                    "graceful_restart_time": config.gracefulRestartTime.map { .int(Int64($0)) } ?? .null,
                    "duplicate_mac_max_moves": .int(Int64(config.duplicateMACMaxMoves)),
                    "duplicate_mac_time": .int(Int64(config.duplicateMACTime))],
            "API": ["host": .string(config.apiHost), "port": .int(Int64(config.apiPort))],
            "DATAPLANE_DRIVER_EVPN": ["dataplane_driver": .string(config.dataplaneDriver.rawValue),
                                      "dataplane_local_address": .string(config.dataplaneLocalAddress.description),
                                      "vxlan_dst_port": .int(Int64(config.vxlanDestinationPort)),
                                      "legacy_vni_encoding": .bool(config.legacyShiftedVNI)],
        ]
    }

    private func logsJSON() -> JSONValue {
        .array(logSink.recentWarnings.map { record in
            ["level": .string(record.level.rawValue.uppercased()), "time": .string(Self.timeText(record.time)),
             "name": .string(record.name), "message": .string(record.message)]
        })
    }

    // MARK: bgp

    private func bgpNode(_ context: LookingGlassContext) -> LookingGlassNode {
        LookingGlassNode([
            ("peers", .collection(list: { [unowned self] in
                speaker.peerSnapshots.map { ["id": .string($0.address.description), "state": .string(Self.stateName($0.state))] }
            }, member: { [unowned self] id in peerNode(id, context) })),
            ("routes", .subtree { [unowned self] in
                ["l2vpn/evpn,*": .array(router.ribSnapshot(.l2vpnEVPN).map { routeEntry($0, context) }),
                 "ipv4/rtc,*": .array(router.ribSnapshot(.routeTargetConstraint).map { routeEntry($0, context) })]
            }),
            ("route_counts", .value(.object(JSONObject(router.routeCounts().sorted { $0.key < $1.key }.map {
                ($0.key == .l2vpnEVPN ? "l2vpn/evpn" : "ipv4/rtc", JSONValue.int(Int64($0.value)))
            })))),
        ])
    }

    private func peerNode(_ id: String, _ context: LookingGlassContext) -> LookingGlassNode? {
        guard let session = speaker.peerSnapshots.first(where: { $0.address.description == id }) else { return nil }
        let rib = router.peerSnapshots().first { $0.address == session.address }
        let families = session.families.map { JSONValue.string($0.description) }
        return LookingGlassNode([
            ("peeringAddresses", .value(["peer_address": .string(id),
                                         "local_address": session.localAddress.map { .string($0.description) } ?? .null])),
            ("as_info", .value(["local": .int(Int64(configuration.myAS)), "peer": .int(Int64(session.peerAS))])),
            ("rtc", .value(["active": .bool(rib?.constrainsRouteTargets ?? false), "enabled": .bool(configuration.enableRTC)])),
            ("active_families", .value(.array(families))),
            ("protocol", .value(["state": .string(Self.stateName(session.state)),
                                 "previous_state": .string("(\(Self.stateName(session.previousState)))"),
                                 "hold_time": session.negotiatedHoldTime.map { .int(Int64($0)) } ?? .null,
                                 "uptime_seconds": session.uptime.map { .int(Int64($0)) } ?? .null,
                                 "established_transitions": .int(Int64(session.establishedTransitions)),
                                 "last_error": session.lastError.map { .string($0) } ?? .null])),
            ("name", .value(.string("BGP-\(id)"))),
            ("messages", .value(["sent": Self.countersJSON(session.messagesSent),
                                 "received": Self.countersJSON(session.messagesReceived)])),
            ("received_routes", .value(.object(JSONObject((rib?.receivedRoutes ?? [:]).sorted { $0.key < $1.key }
                .map { ($0.key.description, JSONValue.int(Int64($0.value))) })))),
            ("end_of_rib", .value(["received": .array((rib?.receivedEndOfRIB ?? []).map { .string($0.description) }),
                                   "sent": .array((rib?.sentEndOfRIB ?? []).map { .string($0.description) })])),
            ("requested_route_targets", .value(.array((rib?.requestedMemberships ?? []).map { .string($0.description) }))),
            ("adv_routes", .subtree { [unowned self] in
                .array(router.advertisedRoutes(to: session.address).map { routeEntry($0, context) })
            }),
        ])
    }

    // MARK: vpns

    private func vpnsNode(_ context: LookingGlassContext) -> LookingGlassNode {
        LookingGlassNode([
            ("instances", .collection(list: { [unowned self] in
                router.instanceSnapshots().map { instance in
                    var item: JSONObject = ["id": .string(instance.externalID), "name": .string("EVI-\(instance.vni)")]
                    if let description = instance.description { item["description"] = .string(description) }
                    return item
                }
            }, member: { [unowned self] id in router.instanceSnapshot(id).map { instanceNode($0, context) } })),
            ("dataplane", .subtree { [unowned self] in
                ["driver": ["name": .string(dataplane.driver.name),
                            "local_address": .string(configuration.dataplaneLocalAddress.description),
                            "supported_encaps": ["encap:VXLAN"]],
                 "batches_applied": .int(Int64(dataplane.batchesApplied)),
                 "intents_applied": .int(Int64(dataplane.intentsApplied)),
                 "failures": .int(Int64(dataplane.failureCount))]
            }),
            ("instances_per_vni", .value(.object(JSONObject(router.instanceSnapshots().map { instance in
                (String(instance.vni), ["name": .string("EVI-\(instance.vni)"), "external_instance_id": .string(instance.externalID)])
            })))),
        ])
    }

    private func instanceNode(_ instance: InstanceSnapshot, _ context: LookingGlassContext) -> LookingGlassNode {
        let id = instance.externalID
        return LookingGlassNode([
            ("instance_type", .value("EVI")),
            ("external_instance_id", .value(.string(id))),
            ("description", .value(instance.description.map { .string($0) } ?? .null)),
            ("instance_dataplane_id", .value(.int(Int64(instance.vni)))),
            ("vni_pinned", .value(.bool(instance.isVNIPinned))),
            ("route_distinguisher", .value(.string(instance.routeDistinguisher.description))),
            ("route_targets", .value(["import": .array(instance.importRouteTargets.map { .string("target:\($0)") }),
                                      "export": .array(instance.exportRouteTargets.map { .string("target:\($0)") })])),
            ("name", .value(.string("EVI-\(instance.vni)"))),
            ("linux_bridge", .value(instance.linuxBridge.map { .string($0) } ?? .null)),
            ("mac_mobility_catch_up", .value(.bool(instance.isCatchingUp))),
            ("ports", .subtree { [unowned self] in portsJSON(instance) }),
            ("learned_macs_ignored", .value(.int(Int64(instance.ignoredLearnedMACs)))),
            ("dataplane", .subtree { [unowned self] in
                var object = JSONObject()
                for (key, value) in (dataplane.descriptions[id] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    object[key] = .string(value)
                }
                object["driver"] = .string(dataplane.driver.name)
                object["remote_macs"] = .array(instance.remoteMACs.map {
                    ["mac": .string($0.mac.description), "vtep": .string($0.vtep.description), "vni": .int(Int64($0.vni))]
                })
                object["flood_list"] = .array(instance.floodList.map {
                    ["vtep": .string($0.vtep.description), "vni": .int(Int64($0.vni))]
                })
                object["neighbours"] = .array(instance.neighbours.map {
                    ["ip": .string($0.ip.description), "mac": .string($0.mac.description)]
                })
                return .object(object)
            }),
            ("adv_routes", .subtree { [unowned self] in Self.routesByKey(instance.localRoutes.map { routeJSON($0, context) }) }),
            ("received_routes", .subtree { [unowned self] in Self.routesByKey(instance.remoteRoutes.map { routeJSON($0, context) }) }),
            ("best_routes", .subtree { [unowned self] in
                Self.routesByKey(instance.remoteRoutes.filter(\.isBest).map { routeJSON($0, context) })
            }),
        ])
    }

    /// BaGPipe's `ports` (attached endpoints per interface), plus our additions: `provisional`
    /// (restored, not yet re-posted by a client) per endpoint, and the MACs the bridge learned on
    /// the port in `learned_macs`, apart from the endpoints.
    private func portsJSON(_ instance: InstanceSnapshot) -> JSONValue {
        var ports = JSONObject()
        for port in Set(instance.endpoints.map(\.localPort)).sorted() {
            let here = instance.endpoints.filter { $0.localPort == port }
            let endpoints = here.filter { !$0.isLearned }.map { endpoint -> JSONValue in
                let key = AttachmentStore.Key(instanceID: instance.externalID, mac: endpoint.mac, ip: endpoint.ip)
                return ["mac_address": .string(endpoint.mac.description),
                        "ip_address": endpoint.ip.map { .string($0.description) } ?? .null,
                        "label": .int(Int64(instance.vni)),
                        "local_pref": endpoint.localPreference.map { .int(Int64($0)) } ?? .null,
                        "rd": .string(" rd \(instance.routeDistinguisher)"),
                        "description": endpoint.description.map { .string($0) } ?? .null,
                        "direction": "both",
                        "mac_mobility_sequence": .int(Int64(endpoint.macMobilitySequence)),
                        "advertised": .bool(endpoint.isAdvertised),
                        "frozen": .bool(endpoint.isDuplicate),
                        "provisional": .bool(resync.isProvisional(key))]
            }
            var object: JSONObject = ["endpoints": .array(endpoints)]
            let learned = here.filter(\.isLearned)
            if !learned.isEmpty {
                object["learned_macs"] = .array(learned.map { endpoint in
                    ["mac_address": .string(endpoint.mac.description),
                     "mac_mobility_sequence": .int(Int64(endpoint.macMobilitySequence)),
                     "advertised": .bool(endpoint.isAdvertised),
                     "frozen": .bool(endpoint.isDuplicate)]
                })
            }
            ports[port] = .object(object)
        }
        return .object(ports)
    }

    /// `{"<route>": [<path>, …]}` as BaGPipe keys routes by their NLRI.
    private static func routesByKey(_ routes: [(key: String, value: JSONValue)]) -> JSONValue {
        var object = JSONObject()
        for (key, value) in routes {
            object[key] = .array((object[key]?.arrayValue ?? []) + [value])
        }
        return .object(object)
    }

    /// One route as `{"<route>": <path>}`.
    private func routeEntry(_ route: RouteSnapshot, _ context: LookingGlassContext) -> JSONValue {
        let (key, value) = routeJSON(route, context)
        return .object([key: value])
    }

    private func routeJSON(_ route: RouteSnapshot, _ context: LookingGlassContext) -> (key: String, value: JSONValue) {
        let attributes = route.attributes
        var attributesJSON: JSONObject = [
            "extended-community": .string("[ " + attributes.extendedCommunities.map(\.description).joined(separator: " ") + " ]"),
        ]
        if let localPreference = attributes.localPreference { attributesJSON["local-preference"] = .string(String(localPreference)) }
        if let med = attributes.multiExitDiscriminator { attributesJSON["med"] = .string(String(med)) }
        if let pmsi = attributes.pmsiTunnel {
            attributesJSON["pmsi-tunnel"] = .string("pmsi:type\(pmsi.tunnelType):\(pmsi.flags):\(pmsi.label):\(pmsi.endpoint?.description ?? "?")")
        }
        if let originator = attributes.originatorID { attributesJSON["originator-id"] = .string(originator.description) }
        if !attributes.clusterList.isEmpty {
            attributesJSON["cluster-list"] = .array(attributes.clusterList.map { .string($0.description) })
        }
        let source: JSONValue = switch route.source {
        case .local: ["id": "local"]
        case .peer(let address): ["id": .string("BGP-\(address)"), "href": .string(context.url(["bgp", "peers", address.description]))]
        }
        var value: JSONObject = [
            "afi-safi": .string(route.family == .l2vpnEVPN ? "l2vpn/evpn" : route.family.description),
            "attributes": .object(attributesJSON),
            "next_hop": route.nextHop.map { .string($0.description) } ?? .null,
            "source": source,
            "route_targets": .array(attributes.routeTargets.map { .string("target:\($0)") }),
            "best": .bool(route.isBest),
        ]
        if !route.importedBy.isEmpty { value["imported_by"] = .array(route.importedBy.map { .string($0) }) }
        if let reason = route.notImportedBecause { value["not_imported_because"] = .string(reason) }
        if route.isStale { value["stale"] = .bool(true) }
        return (Self.nlriText(route.nlri), .object(value))
    }

    /// A readable, stable key for a route (GoBGP-like: `macadv rd 198.51.100.11:1 mac … ip … label 16`).
    static func nlriText(_ nlri: NLRI) -> String {
        switch nlri {
        case .evpn(let route):
            switch route {
            case .macIPAdvertisement(let r):
                return "evpn:macadv rd \(r.routeDistinguisher) esi \(r.esi) etag \(r.ethernetTag) mac \(r.mac)"
                    + (r.ip.map { " ip \($0)" } ?? "") + " label \(r.label1)" + (r.label2.map { ",\($0)" } ?? "")
            case .inclusiveMulticast(let r):
                return "evpn:multicast rd \(r.routeDistinguisher) etag \(r.ethernetTag) originator \(r.originator)"
            case .ethernetAutoDiscovery(let r):
                return "evpn:ead rd \(r.routeDistinguisher) esi \(r.esi) etag \(r.ethernetTag) label \(r.label)"
            case .ethernetSegment(let r):
                return "evpn:es rd \(r.routeDistinguisher) esi \(r.esi) originator \(r.originator)"
            case .ipPrefix(let r):
                return "evpn:prefix rd \(r.routeDistinguisher) etag \(r.ethernetTag) prefix \(r.prefix) gw \(r.gateway) label \(r.label)"
            case .unknown(let type, let value):
                return "evpn:type\(type) " + value.map { String($0, radix: 16) }.joined()
            }
        case .routeTargetMembership(let membership): return "rtc \(membership)"
        case .ipv4Unicast(let prefix), .ipv6Unicast(let prefix): return prefix.description
        }
    }

    private static func countersJSON(_ counters: MessageCounters) -> JSONValue {
        ["open": .int(Int64(counters.opens)), "update": .int(Int64(counters.updates)),
         "notification": .int(Int64(counters.notifications)), "keepalive": .int(Int64(counters.keepalives)),
         "route_refresh": .int(Int64(counters.routeRefreshes))]
    }

    static func stateName(_ state: SessionState) -> String {
        let name = "\(state)"
        return name.prefix(1).uppercased() + name.dropFirst()
    }

    /// BaGPipe's `2026-11-29 07:34:32` (UTC).
    static func timeText(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday)) "
            + "\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec))"
    }
}
