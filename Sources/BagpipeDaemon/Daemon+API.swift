import BagpipeAPI
import BGPWire
import EVPN
import NetAddress
import OrderedJSON

/// REST API → EVPN router: BaGPipe's attach/detach requests become EVPN attachments.
extension Daemon: VPNService {
    public var supportedVPNTypes: Set<VPNType> { [.evpn] }

    /// A client's attach: it confirms a restored attachment or replaces a conflicting provisional
    /// one, a sign that clients are re-syncing after a restart (`ClientResync`).
    public func attach(_ request: BagpipeAPI.AttachRequest) throws(APIError) {
        clientRequestArrived()
        let replaced = try plug(request, restoredSequence: nil)
        clientReposted([AttachmentStore.Key(request)] + replaced)
    }

    /// Plugs an attachment (a client's, or one restored from the state file with `restoredSequence`,
    /// `EVPN.AttachRequest`) and records it. Returns the provisional attachments it replaced.
    @discardableResult
    func plug(_ request: BagpipeAPI.AttachRequest, restoredSequence: UInt32?) throws(APIError) -> [AttachmentStore.Key] {
        guard request.direction == .both else { throw APIError.unsupportedDirection(request.direction) }
        let port = try linuxInterface(of: request.localPort)
        // Refused before anything is advertised; BaGPipe answers 500 once it fails to plug.
        guard dataplane.driver.portExists(port) else {
            throw APIError.invalid("local_port: interface '\(port)' does not exist")
        }
        let attachment = EVPN.AttachRequest(
            instanceID: request.vpnInstanceID, vni: request.vni ?? 0, mac: request.macAddress, ip: request.ipAddress,
            importRouteTargets: request.importRouteTargets.map(Self.routeTarget),
            exportRouteTargets: request.exportRouteTargets.map(Self.routeTarget),
            localPort: port, advertiseSubnet: request.advertiseSubnet, localPreference: request.localPreference,
            linuxBridge: request.linuxBridge, description: request.description.map(Self.text),
            instanceDescription: request.instanceDescription.map(Self.text), restoredSequence: restoredSequence)
        let replaced: [AttachmentStore.Key]
        do {
            replaced = try attachReplacingProvisional(attachment)
        } catch {
            throw apiError(error, newPort: request.localPort)
        }
        var remembered = request
        remembered.vni = router.vni(of: request.vpnInstanceID) ?? request.vni
        attachmentStore?.attached(remembered)
        return replaced
    }

    public func detach(_ request: BagpipeAPI.DetachRequest) throws(APIError) {
        clientRequestArrived()
        let detached = { (key: AttachmentStore.Key) in
            key.isDetached(by: request.vpnInstanceID, mac: request.macAddress, ip: request.ipAddress)
        }
        let waiting = attachmentStore?.waiting.keys.contains(where: detached) ?? false
        do {
            try router.detach(EVPN.DetachRequest(instanceID: request.vpnInstanceID, mac: request.macAddress, ip: request.ipAddress))
        } catch {
            // A restored attachment still waiting for its interface was never plugged.
            if !waiting { throw apiError(error, newPort: request.localPort) }
        }
        forgetAttachment(instanceID: request.vpnInstanceID, mac: request.macAddress, ip: request.ipAddress)
    }

    /// BaGPipe's EVPN plugs only Linux interfaces; `evpn` local ports plug an EVI into an IP VPN.
    private func linuxInterface(of port: LocalPort) throws(APIError) -> String {
        guard let name = port.linuxInterface, !name.isEmpty else {
            throw APIError.invalid("local_port: only 'linuxif' is supported for EVPN (IP VPN is not implemented)")
        }
        return name
    }

    private func apiError(_ error: Error, newPort: LocalPort) -> APIError {
        guard let error = error as? EVPNError else { return APIError.internalError("An error occurred: \(error)") }
        if case .macOnAnotherPort(_, let previousPort, _) = error {
            return APIError.macBoundToAnotherPort(previous: LocalPort(linuxInterface: previousPort), new: newPort)
        }
        return error.isInternalError ? APIError.internalError(error.description) : APIError.invalid(error.description)
    }

    /// The REST form (`ASN:NN`) as a route target: type 0 for a 2-byte AS, type 2 otherwise (RFC 5668).
    static func routeTarget(_ target: APIRouteTarget) -> RouteTarget {
        target.hasFourByteASN ? .fourOctetAS(target.asn, UInt16(truncatingIfNeeded: target.number))
            : .twoOctetAS(UInt16(target.asn), target.number)
    }

    static func text(_ value: JSONValue) -> String {
        value.stringValue ?? value.serialized(.compact)
    }
}
