import NetAddress
import OrderedJSON

/// `POST /detach_localport`: unplug an endpoint; without `ip_address`, every IP of that MAC
/// (BaGPipe `VPNManager.unplug_vif_from_vpn`). Detaching the last endpoint stops the instance.
public struct DetachRequest: Sendable, Equatable {
    public var vpnType: VPNType
    public var vpnInstanceID: String
    public var macAddress: MACAddress
    public var localPort: LocalPort
    /// nil: every IP address attached with this MAC.
    public var ipAddress: IPPrefix?

    public init(vpnType: VPNType, vpnInstanceID: String, macAddress: MACAddress, localPort: LocalPort,
                ipAddress: IPPrefix? = nil) {
        self.vpnType = vpnType
        self.vpnInstanceID = vpnInstanceID
        self.macAddress = macAddress
        self.localPort = localPort
        self.ipAddress = ipAddress
    }

    /// Validates a request body as BaGPipe does (`validate_convert_detach_params`), with its messages.
    public init(body: [UInt8], supportedTypes: Set<VPNType>) throws(APIError) {
        try self.init(parameters: RequestValidation.parameters(fromBody: body), supportedTypes: supportedTypes)
    }

    public init(parameters: JSONObject, supportedTypes: Set<VPNType>) throws(APIError) {
        let check = RequestValidation(parameters: parameters)
        let type = try check.vpnType(supported: supportedTypes)
        try check.requireParameters(["vpn_instance_id", "mac_address", "local_port"])
        let id = try check.vpnInstanceID()
        let port = try check.localPort()
        let mac = try check.macAddress()
        let ip = try check.ipAddress()
        _ = try check.advertiseSubnet()
        self.init(vpnType: type, vpnInstanceID: id, macAddress: mac, localPort: port, ipAddress: ip)
    }
}
