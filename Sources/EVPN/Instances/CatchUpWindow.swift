import NetAddress

/// The seconds after an instance starts importing a route target during which the remote routes
/// that already existed may still be arriving: with RT constraint (RFC 4684) the reflector sends
/// them only once our membership route reached it, so a MAC attached meanwhile got its sequence
/// number (RFC 7432 §15.1) without knowing them. `EVPNRouter+Mobility` makes up for it.
struct CatchUpWindow {
    /// Monotonic seconds; infinity while no peer is established (the window starts with the first).
    var until: Double
    /// A route of the instance's targets came in: the reflector is answering our membership.
    var isAnswered = false
    /// The remote claims already gone above in this window, by MAC and VTEP: a later claim from
    /// the same VTEP may answer ours, so the plain §15.1 rules judge it.
    var overtaken: Set<Claimant> = []

    struct Claimant: Hashable {
        var mac: MACAddress
        var vtep: IPAddress
    }
}
