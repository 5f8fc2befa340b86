import BGPWire
import NetAddress
import OrderedJSON

/// The JSON form of decoded messages: every field, in the operators' text forms.
enum MessageJSON {
    static func message(_ message: BGPMessage) -> [(String, JSON)] {
        switch message {
        case .open(let open): return [("type", "OPEN")] + self.open(open)
        case .update(let update): return [("type", "UPDATE")] + self.update(update)
        case .notification(let notification): return [("type", "NOTIFICATION")] + self.notification(notification)
        case .keepalive: return [("type", "KEEPALIVE")]
        case .routeRefresh(let refresh):
            let subtypes = ["normal", "BoRR", "EoRR"]
            return [("type", "ROUTE-REFRESH"), ("family", .text(refresh.family)),
                    ("subtype", refresh.subtype < 3 ? .string(subtypes[Int(refresh.subtype)]) : .number(refresh.subtype))]
        }
    }

    static func open(_ open: OpenMessage) -> [(String, JSON)] {
        var fields: [(String, JSON)] = [
            ("version", .number(open.version)), ("myAS", .number(open.myAS)), ("autonomousSystem", .number(open.autonomousSystem)),
            ("holdTime", .number(open.holdTime)), ("bgpIdentifier", .text(open.bgpIdentifier)),
            ("capabilities", .array(open.capabilities.map(capability))),
        ]
        if !open.otherParameters.isEmpty {
            fields.append(("otherParameters", .array(open.otherParameters.map {
                .fields([("type", .number($0.type)), ("value", .string(hexString($0.value)))])
            })))
        }
        return fields
    }

    static func capability(_ capability: Capability) -> JSON {
        var fields: [(String, JSON)] = [("code", .number(capability.code))]
        switch capability {
        case .multiprotocol(let family): fields += [("name", "multiprotocol"), ("family", .text(family))]
        case .routeRefresh: fields.append(("name", "route-refresh"))
        case .extendedMessage: fields.append(("name", "extended-message"))
        case .gracefulRestart(let restart):
            fields += [("name", "graceful-restart"), ("restartState", .bool(restart.restartState)),
                       ("notificationSupport", .bool(restart.notificationSupport)), ("restartTime", .number(restart.restartTime)),
                       ("families", .array(restart.families.map {
                           .fields([("family", .text($0.family)), ("forwardingStatePreserved", .bool($0.forwardingStatePreserved))])
                       }))]
        case .fourOctetAS(let asn): fields += [("name", "four-octet-as"), ("asn", .number(asn))]
        case .addPath(let entries):
            fields += [("name", "add-path"), ("families", .array(entries.map { entry in
                let mode = [entry.mode.contains(.receive) ? "receive" : nil, entry.mode.contains(.send) ? "send" : nil].compactMap { $0 }
                return .fields([("family", .text(entry.family)), ("mode", .string(mode.joined(separator: "+")))])
            }))]
        case .enhancedRouteRefresh: fields.append(("name", "enhanced-route-refresh"))
        case .longLivedGracefulRestart(let entries):
            fields += [("name", "long-lived-graceful-restart"), ("families", .array(entries.map {
                .fields([("family", .text($0.family)), ("forwardingStatePreserved", .bool($0.forwardingStatePreserved)),
                         ("staleTime", .number($0.staleTime))])
            }))]
        case .fqdn(let hostName, let domainName): fields += [("name", "fqdn"), ("hostName", .string(hostName)), ("domainName", .string(domainName))]
        case .unknown(_, let value): fields += [("name", "unknown"), ("value", .string(hexString(value)))]
        }
        return .fields(fields)
    }

    static func notification(_ notification: NotificationMessage) -> [(String, JSON)] {
        var fields: [(String, JSON)] = [("code", .number(notification.code)), ("subcode", .number(notification.subcode)),
                                        ("codeName", .string(notification.codeName)), ("subcodeName", .string(notification.subcodeName))]
        if !notification.data.isEmpty { fields.append(("data", .string(hexString(notification.data)))) }
        if let communication = notification.shutdownCommunication { fields.append(("shutdownCommunication", .string(communication))) }
        return fields
    }

    static func update(_ update: UpdateMessage) -> [(String, JSON)] {
        var fields: [(String, JSON)] = []
        if let family = update.endOfRIBFamily { fields.append(("endOfRIB", .text(family))) }
        if !update.withdrawnRoutes.isEmpty { fields.append(("withdrawnRoutes", .array(update.withdrawnRoutes.map(JSON.text)))) }
        fields.append(("attributes", .fields(attributes(update.attributes))))
        if !update.nlri.isEmpty { fields.append(("nlri", .array(update.nlri.map(JSON.text)))) }
        if !update.nlriPathIdentifiers.isEmpty { fields.append(("nlriPathIdentifiers", .array(update.nlriPathIdentifiers.map(JSON.number)))) }
        if update.treatAsWithdraw { fields.append(("rfc7606", "treat-as-withdraw")) } else if update.malformedReason != nil {
            fields.append(("rfc7606", "attribute-discard"))
        }
        if let reason = update.malformedReason { fields.append(("malformedReason", .string(reason))) }
        return fields
    }

    static func attributes(_ attributes: PathAttributes) -> [(String, JSON)] {
        var fields: [(String, JSON)] = []
        if let origin = attributes.origin { fields.append(("origin", .string(["igp", "egp", "incomplete"][Int(origin.rawValue)]))) }
        if attributes.origin != nil || !attributes.asPath.isEmpty {
            let kinds: [ASPathSegment.Kind: String] = [.set: "set", .sequence: "sequence", .confedSequence: "confed-sequence", .confedSet: "confed-set"]
            fields.append(("asPath", .array(attributes.asPath.map {
                .fields([("type", .string(kinds[$0.kind]!)), ("asns", .array($0.asns.map(JSON.number)))])
            })))
        }
        if let nextHop = attributes.nextHop { fields.append(("nextHop", .text(nextHop))) }
        if let med = attributes.multiExitDiscriminator { fields.append(("med", .number(med))) }
        if let preference = attributes.localPreference { fields.append(("localPreference", .number(preference))) }
        if attributes.atomicAggregate { fields.append(("atomicAggregate", true)) }
        if let aggregator = attributes.aggregator {
            fields.append(("aggregator", .fields([("asn", .number(aggregator.asn)), ("address", .text(aggregator.address))])))
        }
        if !attributes.communities.isEmpty {
            fields.append(("communities", .array(attributes.communities.map { .string("\($0 >> 16):\($0 & 0xFFFF)") })))
        }
        if let originator = attributes.originatorID { fields.append(("originatorID", .text(originator))) }
        if !attributes.clusterList.isEmpty { fields.append(("clusterList", .array(attributes.clusterList.map(JSON.text)))) }
        if !attributes.extendedCommunities.isEmpty { fields.append(("extendedCommunities", .array(attributes.extendedCommunities.map(JSON.text)))) }
        if let tunnel = attributes.pmsiTunnel {
            var pmsi: [(String, JSON)] = [("flags", .number(tunnel.flags)), ("tunnelType", .number(tunnel.tunnelType)), ("label", .number(tunnel.label))]
            if tunnel.tunnelType == PMSITunnel.ingressReplicationType, let endpoint = tunnel.endpoint {
                pmsi.append(("endpoint", .text(endpoint)))
            } else {
                pmsi.append(("tunnelIdentifier", .string(hexString(tunnel.tunnelIdentifier))))
            }
            fields.append(("pmsiTunnel", .fields(pmsi)))
        }
        if !attributes.largeCommunities.isEmpty { fields.append(("largeCommunities", .array(attributes.largeCommunities.map(JSON.text)))) }
        if let reach = attributes.mpReach {
            var object: [(String, JSON)] = [("family", .text(reach.family)), ("nextHops", .array(reach.nextHops.map(JSON.text))),
                                            ("nlri", .array(reach.nlri.map(nlri)))]
            if !reach.pathIdentifiers.isEmpty { object.append(("pathIdentifiers", .array(reach.pathIdentifiers.map(JSON.number)))) }
            fields.append(("mpReach", .fields(object)))
        }
        if let unreach = attributes.mpUnreach {
            var object: [(String, JSON)] = [("family", .text(unreach.family)), ("nlri", .array(unreach.nlri.map(nlri)))]
            if !unreach.pathIdentifiers.isEmpty { object.append(("pathIdentifiers", .array(unreach.pathIdentifiers.map(JSON.number)))) }
            fields.append(("mpUnreach", .fields(object)))
        }
        if !attributes.unrecognized.isEmpty {
            fields.append(("unrecognized", .array(attributes.unrecognized.map {
                .fields([("flags", .number($0.flags)), ("type", .number($0.typeCode)), ("value", .string(hexString($0.value)))])
            })))
        }
        return fields
    }

    static func nlri(_ nlri: NLRI) -> JSON {
        switch nlri {
        case .evpn(let route): evpn(route)
        case .routeTargetMembership(let membership):
            membership.prefixLength == 0 ? .fields([("default", true)]) : .fields([
                ("originAS", .number(membership.originAS)), ("routeTarget", .text(membership.routeTarget)),
                ("prefixLength", .number(membership.prefixLength)),
            ])
        case .ipv4Unicast(let prefix), .ipv6Unicast(let prefix): .text(prefix)
        }
    }

    static func evpn(_ route: EVPNRoute) -> JSON {
        var fields: [(String, JSON)] = [("routeType", .number(route.routeType))]
        switch route {
        case .ethernetAutoDiscovery(let r):
            fields += [("name", "ethernet-auto-discovery"), ("rd", .text(r.routeDistinguisher)), ("esi", .text(r.esi)),
                       ("ethernetTag", .number(r.ethernetTag)), ("label", .number(r.label))]
        case .macIPAdvertisement(let r):
            fields += [("name", "mac-ip-advertisement"), ("rd", .text(r.routeDistinguisher)), ("esi", .text(r.esi)),
                       ("ethernetTag", .number(r.ethernetTag)), ("mac", .text(r.mac))]
            if let ip = r.ip { fields.append(("ip", .text(ip))) }
            fields.append(("label1", .number(r.label1)))
            if let label2 = r.label2 { fields.append(("label2", .number(label2))) }
        case .inclusiveMulticast(let r):
            fields += [("name", "inclusive-multicast"), ("rd", .text(r.routeDistinguisher)), ("ethernetTag", .number(r.ethernetTag)),
                       ("originator", .text(r.originator))]
        case .ethernetSegment(let r):
            fields += [("name", "ethernet-segment"), ("rd", .text(r.routeDistinguisher)), ("esi", .text(r.esi)), ("originator", .text(r.originator))]
        case .ipPrefix(let r):
            fields += [("name", "ip-prefix"), ("rd", .text(r.routeDistinguisher)), ("esi", .text(r.esi)), ("ethernetTag", .number(r.ethernetTag)),
                       ("prefix", .text(r.prefix)), ("gateway", .text(r.gateway)), ("label", .number(r.label))]
        case .unknown(_, let value):
            fields += [("name", "unknown"), ("value", .string(hexString(value)))]
        }
        return .fields(fields)
    }

    /// A message that could not be accepted: the session reset it calls for.
    static func error(_ error: MessageDecodingError) -> [(String, JSON)] {
        [("error", .string(error.reason)), ("rfc7606", "session-reset"), ("notification", .fields(notification(error.notification)))]
    }
}
