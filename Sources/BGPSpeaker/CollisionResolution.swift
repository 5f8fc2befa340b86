import NetAddress

/// Connection collision detection (RFC 4271 §6.8): when two connections to the same peer both
/// carry an OPEN, the one opened by the speaker with the higher BGP Identifier survives.
enum CollisionResolution {
    /// The direction of the connection to keep: if our identifier is lower (compared as unsigned
    /// 32-bit integers), the peer's connection (incoming); otherwise ours (outgoing).
    static func survivor(localRouterID: IPv4Address, remoteRouterID: IPv4Address) -> ConnectionDirection {
        localRouterID.rawValue < remoteRouterID.rawValue ? .incoming : .outgoing
    }
}
