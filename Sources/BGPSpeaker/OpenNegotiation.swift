import BGPWire
import NetAddress

/// Builds our OPEN and checks the peer's (RFC 4271 §6.2, RFC 5492, RFC 6793, RFC 6286).
enum OpenNegotiation {
    /// Our OPEN: version 4, our AS (AS_TRANS when it needs 4 bytes), hold time, router id, and the
    /// capabilities multiprotocol (one per family), route refresh, 4-octet AS, extended message and
    /// graceful restart (RFC 4724 §3: End-of-RIB support; as a restarting speaker, every family). Enhanced route refresh (RFC 7313) is not announced: we do not send
    /// BoRR/EoRR around a re-advertisement.
    static func localOpen(_ parameters: SessionParameters) -> OpenMessage {
        var capabilities = parameters.families.sorted().map(Capability.multiprotocol)
        capabilities += [
            .routeRefresh,
            .fourOctetAS(parameters.localAS),
            .extendedMessage,
            .gracefulRestart(gracefulRestart(parameters)),
        ]
        let myAS = parameters.localAS <= UInt32(UInt16.max) ? UInt16(parameters.localAS) : OpenMessage.asTrans
        return OpenMessage(myAS: myAS, holdTime: parameters.holdTime, bgpIdentifier: parameters.routerID,
                           capabilities: capabilities)
    }

    /// Helper only: restart time 120 s and no family, which says we send End-of-RIB and help
    /// restarting peers (§3 allows an empty list). Restarting speaker: every family, with the F bit
    /// when our forwarding state survived the previous process.
    private static func gracefulRestart(_ parameters: SessionParameters) -> GracefulRestartCapability {
        guard let local = parameters.gracefulRestart else {
            return GracefulRestartCapability(restartTime: 120, families: [])
        }
        let families = parameters.families.sorted().map {
            GracefulRestartCapability.FamilyFlags(family: $0, forwardingStatePreserved: local.forwardingStatePreserved)
        }
        return GracefulRestartCapability(restartTime: min(local.restartTime, 4095), families: families)
    }

    /// The negotiated session, or the OPEN Message Error to send.
    static func negotiate(_ parameters: SessionParameters, remote: OpenMessage) -> Result<NegotiatedSession, MessageDecodingError> {
        func reject(_ subcode: UInt8, data: [UInt8] = [], _ reason: String) -> Result<NegotiatedSession, MessageDecodingError> {
            .failure(MessageDecodingError(notification: NotificationMessage(code: 2, subcode: subcode, data: data),
                                          reason: "OPEN from peer: \(reason)"))
        }
        guard remote.version == 4 else { return reject(1, data: [0, 4], "version \(remote.version), only 4 is supported") }
        guard remote.autonomousSystem == parameters.peerAS else {
            return reject(2, "AS \(remote.autonomousSystem), expected \(parameters.peerAS)")
        }
        guard remote.holdTime == 0 || remote.holdTime >= 3 else {
            return reject(6, "hold time \(remote.holdTime) s (must be 0 or at least 3)")
        }
        let isInternal = parameters.peerAS == parameters.localAS
        guard remote.bgpIdentifier != .any, !(isInternal && remote.bgpIdentifier == parameters.routerID) else {
            return reject(3, "BGP identifier \(remote.bgpIdentifier)")
        }
        if let parameter = remote.otherParameters.first {
            return reject(4, "unsupported optional parameter type \(parameter.type)")
        }
        var remoteFamilies = Set<AddressFamily>()
        var routeRefresh = false
        var gracefulRestart: GracefulRestartCapability?
        for capability in remote.capabilities {
            switch capability {
            case .multiprotocol(let family): remoteFamilies.insert(family)
            case .routeRefresh: routeRefresh = true
            case .gracefulRestart(let capability): gracefulRestart = capability
            default: break   // 4-octet AS, extended message, add-path: in the codec context; LLGR, FQDN, unknown: ignored
            }
        }
        if !remote.capabilities.contains(where: { if case .multiprotocol = $0 { true } else { false } }) {
            remoteFamilies = [.ipv4Unicast]   // RFC 4760 §8: no MP capability means IPv4 unicast only
        }
        let context = CodecContext(local: localOpen(parameters), remote: remote, legacyShiftedVNI: parameters.legacyShiftedVNI)
        return .success(NegotiatedSession(
            peerAS: remote.autonomousSystem, peerRouterID: remote.bgpIdentifier,
            holdTime: min(parameters.holdTime, remote.holdTime),
            families: parameters.families.intersection(remoteFamilies), isInternal: isInternal, context: context,
            peerSupportsRouteRefresh: routeRefresh,
            peerGracefulRestart: gracefulRestart, peerCapabilities: remote.capabilities))
    }
}
