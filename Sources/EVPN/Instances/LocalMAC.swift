import NetAddress

/// One attached endpoint's own settings (BaGPipe keys endpoints by MAC and IP prefix).
struct LocalEndpoint: Hashable, Sendable {
    var localPreference: UInt32?
    var description: String?
}

/// A MAC present on this node in one instance: attached through the REST API, or learned by the
/// dataplane (`LocalMACEvent`). Its routes are advertised while it wins the MAC mobility
/// contest (RFC 7432 §15).
struct LocalMAC {
    var interface: String
    /// Endpoints by IP prefix; the nil key is the MAC-only ("wildcard") endpoint.
    var endpoints: [IPPrefix?: LocalEndpoint]
    /// Learned from the dataplane rather than attached.
    var isLearned: Bool
    /// Our MAC mobility sequence number for it (RFC 7432 §15.1).
    var sequence: UInt32
    /// False while a remote route for the MAC supersedes ours.
    var isWinning = true
    /// When the MAC moved between here and elsewhere, within the detection window (RFC 7432 §15.1).
    var recentMoves: [Double] = []
    /// Moved too often: no longer advertised until it is detached (RFC 7432 §15.1).
    var isDuplicate = false

    /// Advertised when it wins the mobility contest and is not a detected duplicate.
    var isAdvertised: Bool { isWinning && !isDuplicate }
    /// Keys of the type-2 routes currently originated for it.
    var advertisedKeys: Set<MACIPRouteKey> = []
}
