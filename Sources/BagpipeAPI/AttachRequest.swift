import NetAddress
import OrderedJSON

/// `POST /attach_localport`: plug an endpoint (MAC, optional IP) into a VPN instance, creating the instance
/// on first use (BaGPipe `VPNManager.plug_vif_to_vpn`; field table in bagpipe.md §3). Unknown keys are ignored.
public struct AttachRequest: Sendable, Equatable {
    /// `vpn_type`.
    public var vpnType: VPNType
    /// `vpn_instance_id`: the client's name for the instance.
    public var vpnInstanceID: String
    /// `mac_address`.
    public var macAddress: MACAddress
    /// `local_port`.
    public var localPort: LocalPort
    /// `import_rt`, deduplicated, in the client's order.
    public var importRouteTargets: [APIRouteTarget]
    /// `export_rt`, deduplicated, in the client's order.
    public var exportRouteTargets: [APIRouteTarget]
    /// `ip_address`; nil means a MAC-only endpoint. A bare address became a host prefix.
    public var ipAddress: IPPrefix?
    /// `gateway_ip` (mandatory for ipvpn; stored and shown for evpn).
    public var gatewayIP: IPAddress?
    /// `advertise_subnet`: advertise the whole prefix instead of the host address.
    public var advertiseSubnet: Bool
    /// `vni`: a fixed VNI, or nil to allocate one (the API's `0`).
    public var vni: UInt32?
    /// `linuxbr`: an existing bridge to use instead of creating one (evpn).
    public var linuxBridge: String?
    /// `direction`.
    public var direction: Direction
    /// `local_pref`: LOCAL_PREF of the advertised route (RFC 4271 §5.1.5); nil means the default.
    public var localPreference: UInt32?
    /// `lb_consistent_hash_order`: BaGPipe's consistent-hash sort order extended community (0x0314).
    public var lbConsistentHashOrder: UInt32
    /// `readvertise`: route leaking between RTs (ipvpn).
    public var readvertise: Readvertise?
    /// `attract_traffic`, kept as sent (ipvpn FlowSpec redirection).
    public var attractTraffic: JSONObject?
    /// `fallback`, kept as sent (OVS ipvpn).
    public var fallback: JSONObject?
    /// `description`: any JSON, shown in the looking glass for the endpoint.
    public var description: JSONValue?
    /// `instance_description`: any JSON, shown in the looking glass for the instance.
    public var instanceDescription: JSONValue?

    /// `readvertise`: routes received with `from_rt` are re-advertised with `to_rt`.
    public struct Readvertise: Sendable, Equatable {
        public var fromRouteTargets: [APIRouteTarget]
        public var toRouteTargets: [APIRouteTarget]

        public init(fromRouteTargets: [APIRouteTarget], toRouteTargets: [APIRouteTarget]) {
            self.fromRouteTargets = fromRouteTargets
            self.toRouteTargets = toRouteTargets
        }
    }

    public init(vpnType: VPNType, vpnInstanceID: String, macAddress: MACAddress, localPort: LocalPort,
                importRouteTargets: [APIRouteTarget], exportRouteTargets: [APIRouteTarget], ipAddress: IPPrefix? = nil,
                gatewayIP: IPAddress? = nil, advertiseSubnet: Bool = false, vni: UInt32? = nil, linuxBridge: String? = nil,
                direction: Direction = .both, localPreference: UInt32? = nil, lbConsistentHashOrder: UInt32 = 0,
                readvertise: Readvertise? = nil, attractTraffic: JSONObject? = nil, fallback: JSONObject? = nil,
                description: JSONValue? = nil, instanceDescription: JSONValue? = nil) {
        self.vpnType = vpnType
        self.vpnInstanceID = vpnInstanceID
        self.macAddress = macAddress
        self.localPort = localPort
        self.importRouteTargets = importRouteTargets
        self.exportRouteTargets = exportRouteTargets
        self.ipAddress = ipAddress
        self.gatewayIP = gatewayIP
        self.advertiseSubnet = advertiseSubnet
        self.vni = vni
        self.linuxBridge = linuxBridge
        self.direction = direction
        self.localPreference = localPreference
        self.lbConsistentHashOrder = lbConsistentHashOrder
        self.readvertise = readvertise
        self.attractTraffic = attractTraffic
        self.fallback = fallback
        self.description = description
        self.instanceDescription = instanceDescription
    }

    /// Validates a request body as BaGPipe does, in its order and with its messages (bagpipe.md §3); the
    /// first problem is thrown. `supportedTypes` are the VPN types the daemon has a dataplane for.
    public init(body: [UInt8], supportedTypes: Set<VPNType>) throws(APIError) {
        try self.init(parameters: RequestValidation.parameters(fromBody: body), supportedTypes: supportedTypes)
    }

    public init(parameters: JSONObject, supportedTypes: Set<VPNType>) throws(APIError) {
        let check = RequestValidation(parameters: parameters)
        let type = try check.vpnType(supported: supportedTypes)
        try check.requireParameters(["vpn_instance_id", "mac_address", "local_port", "import_rt", "export_rt"])
        let id = try check.vpnInstanceID()
        let port = try check.localPort()
        let mac = try check.macAddress()
        let ip = try check.ipAddress()
        let advertiseSubnet = try check.advertiseSubnet()
        let direction = try check.direction()
        if type == .ipvpn { try check.requireParameters(["gateway_ip"]) }
        let importRTs = try check.routeTargets("import_rt")
        let exportRTs = try check.routeTargets("export_rt")
        self.init(vpnType: type, vpnInstanceID: id, macAddress: mac, localPort: port,
                  importRouteTargets: importRTs, exportRouteTargets: exportRTs, ipAddress: ip,
                  advertiseSubnet: advertiseSubnet, direction: direction)
        readvertise = try Self.readvertise(check.optionalObject("readvertise"))
        attractTraffic = try check.optionalObject("attract_traffic")
        if let attractTraffic, attractTraffic["redirect_rts"] == nil {
            throw .invalid("Wrong 'attract_traffic' parameters: 'redirect_rts'")
        }
        fallback = try check.optionalObject("fallback")
        gatewayIP = try Self.gatewayIP(check.present("gateway_ip"))
        vni = try check.optionalInteger("vni", in: 0...0xFF_FFFF).flatMap { $0 == 0 ? nil : UInt32($0) }
        localPreference = try check.optionalInteger("local_pref", in: 0...Int64(UInt32.max)).map { UInt32($0) }
        lbConsistentHashOrder = try UInt32(check.optionalInteger("lb_consistent_hash_order", in: 0...Int64(UInt32.max)) ?? 0)
        linuxBridge = try check.optionalString("linuxbr")
        description = check.present("description")
        instanceDescription = check.present("instance_description")
        if type == .evpn {
            guard port.linuxInterface?.isEmpty == false else {
                throw .invalid("local_port must name a Linux interface ('linuxif') for an evpn attachment")
            }
            // BaGPipe asserts here (500): an EVPN MAC/IP route carries a host address only.
            if advertiseSubnet, let ip, ip.length != ip.address.bitLength {
                throw .invalid("'advertise_subnet' cannot be used with evpn for the non-host prefix \(ip)")
            }
        }
    }

    private static func readvertise(_ object: JSONObject?) throws(APIError) -> Readvertise? {
        guard let object else { return nil }
        for key in ["from_rt", "to_rt"] where object[key] == nil {
            throw .invalid("Wrong 'readvertise' parameters: '\(key)'")
        }
        return Readvertise(fromRouteTargets: try RequestValidation.routeTargets(object["from_rt"]!, field: "readvertise.from_rt"),
                           toRouteTargets: try RequestValidation.routeTargets(object["to_rt"]!, field: "readvertise.to_rt"))
    }

    /// `gateway_ip`: an address, or an address with a prefix length (the address is kept); "" means none.
    private static func gatewayIP(_ value: JSONValue?) throws(APIError) -> IPAddress? {
        guard let value, value != .string("") else { return nil }
        guard let text = value.stringValue, let prefix = IPPrefix(text) else {
            throw .invalid("IP address \(value.pythonString) is not valid")
        }
        return prefix.address
    }
}
