import OrderedJSON
/// The local port an endpoint is plugged through (`local_port`): a Linux interface, optionally with OVS
/// details, or an EVPN instance to plug into an IP VPN.
///
/// The whole JSON object is kept: BaGPipe compares ports as a whole to reject a MAC moving to another port.
public struct LocalPort: Sendable, Equatable {
    /// The port as an object; a bare string `s` was turned into `{"linuxif": s}`.
    public let json: JSONObject

    public init(json: JSONObject) { self.json = json }

    public init(linuxInterface: String) { json = ["linuxif": .string(linuxInterface)] }

    /// `linuxif`: the Linux interface to plug (e.g. a veth or tap).
    public var linuxInterface: String? { json["linuxif"]?.stringValue }

    /// `evpn.id`: the EVPN instance to plug into an IP VPN instance.
    public var evpnInstanceID: String? { json["evpn"]?.objectValue?["id"]?.stringValue }
}
