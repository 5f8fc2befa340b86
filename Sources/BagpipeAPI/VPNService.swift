/// What the REST API needs from the daemon. Every call is made on the thread (event loop) that runs the
/// HTTP server, one at a time; the implementation owns its state there.
public protocol VPNService: AnyObject {
    /// The VPN types that have a dataplane; a request for another type is refused with BaGPipe's
    /// `No dataplane driver for VPN type <type>` (400) before any other check of its fields.
    var supportedVPNTypes: Set<VPNType> { get }

    /// Plugs an endpoint, creating its instance on first use. Re-attaching an identical endpoint succeeds and
    /// re-advertises; new route targets replace the instance's. Conflicts throw `.ipBoundToAnotherMAC`,
    /// `.macBoundToAnotherPort`, `.vniInUse`, `.unsupportedDirection`; unexpected failures `.internalError`.
    func attach(_ request: AttachRequest) throws(APIError)

    /// Unplugs an endpoint (every IP of the MAC when `ipAddress` is nil); the last one stops the instance.
    /// Throws `.vpnNotFound` or `.endpointNotPlugged` as BaGPipe does.
    func detach(_ request: DetachRequest) throws(APIError)

    /// The root of the looking glass. BaGPipe's has `summary` (value), `config` (subtree), `bgp` (node),
    /// `vpns` (node) and `logs` (subtree); see docs/rest-api.md for the full tree. `context` makes links.
    func lookingGlass(_ context: LookingGlassContext) -> LookingGlassNode
}
