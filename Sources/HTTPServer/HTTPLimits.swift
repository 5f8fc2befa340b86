/// Bounds on what one request may make the server hold (RFC 9112 §2.3, §3; RFC 6585 §5).
public struct HTTPLimits: Sendable, Equatable {
    /// Longest request line; longer gets 414.
    public var maxRequestLineBytes: Int
    /// Largest header section (request line and fields), and separately the chunked trailer; larger gets 431.
    public var maxHeaderBytes: Int
    /// Most header fields in one request; more gets 431.
    public var maxHeaderCount: Int
    /// Largest decoded body; larger gets 413.
    public var maxBodyBytes: Int
    /// Longest chunk-size line (with extensions) of a chunked body; longer gets 400.
    public var maxChunkLineBytes: Int

    public init(maxRequestLineBytes: Int = 8 * 1024, maxHeaderBytes: Int = 16 * 1024, maxHeaderCount: Int = 100,
                maxBodyBytes: Int = 1 << 20, maxChunkLineBytes: Int = 1024) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.maxChunkLineBytes = maxChunkLineBytes
    }
}
