/// How an `HTTPServer` protects itself.
public struct HTTPServerConfiguration: Sendable, Equatable {
    /// Per-request size limits (413, 414, 431).
    public var limits: HTTPLimits
    /// Seconds without any byte from the client before the connection is closed (408 when a request was
    /// started or none came).
    public var idleTimeout: Double
    /// Open connections beyond this get 503 and are closed.
    public var maxConnections: Int
    /// Unsent response bytes above which the server stops reading from that client until it catches up.
    public var maxPendingWriteBytes: Int
    /// After a response that closes the connection, how long to wait for the client to close its side
    /// (so it reads the response instead of getting a reset).
    public var lingerTimeout: Double

    public init(limits: HTTPLimits = HTTPLimits(), idleTimeout: Double = 30, maxConnections: Int = 2048,
                maxPendingWriteBytes: Int = 1 << 20, lingerTimeout: Double = 2) {
        self.limits = limits
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.maxPendingWriteBytes = maxPendingWriteBytes
        self.lingerTimeout = lingerTimeout
    }
}
