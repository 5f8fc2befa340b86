/// The HTTP/1.1 logic of one connection, without the socket (RFC 9112 §9).
///
/// Bytes go in; bytes to write and whether to close come out. Pipelined requests are answered in order;
/// `Expect: 100-continue` gets its interim response; a parse error is answered with its status and the
/// connection closes. After deciding to close, the machine ignores further input (the socket layer may keep
/// reading and discarding it for a moment so the client receives the answer rather than a reset).
public struct HTTPConnectionMachine: Sendable {
    public struct Output: Sendable, Equatable {
        public var bytes: [UInt8] = []
        /// Close once `bytes` are written.
        public var close = false
        /// The output limit stopped the work: buffered requests may wait; call `receive` again (with no
        /// new bytes) once the client has read some answers.
        public var mayHaveMore = false
    }

    private var parser: HTTPRequestParser
    private let serverAddress: String?
    private(set) public var isClosing = false
    private(set) public var completedRequests = 0

    public init(limits: HTTPLimits = HTTPLimits(), serverAddress: String? = nil) {
        parser = HTTPRequestParser(limits: limits)
        self.serverAddress = serverAddress
    }

    /// True when nothing of a request is buffered.
    public var isIdle: Bool { parser.isIdle }

    /// Feeds received bytes and answers the requests they complete, stopping once `outputLimit` bytes of
    /// answers are produced (pipelined requests then stay buffered, so a client that does not read cannot
    /// make the server hold unbounded output).
    public mutating func receive(_ bytes: UnsafeRawBufferPointer, date: String?, outputLimit: Int = .max,
                                 respond: (HTTPRequest) -> HTTPResponse) -> Output {
        var output = Output()
        guard !isClosing else { return output }
        parser.append(bytes)
        while true {
            guard output.bytes.count < outputLimit else {
                output.mayHaveMore = true
                return output
            }
            guard let event = parser.next() else { break }
            switch event {
            case .continueExpected:
                output.bytes += Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
            case .request(var request):
                request.serverAddress = serverAddress
                let response = respond(request)
                let keepAlive = request.wantsKeepAlive
                output.bytes += response.serialized(close: !keepAlive, keepAliveHeader: request.version == .http1_0,
                                                    date: date, omitBody: request.method == "HEAD")
                completedRequests += 1
                if !keepAlive { return closing(output) }
            case .error(let error):
                output.bytes += HTTPResponse.plainText(error.status, error.detail)
                    .serialized(close: true, keepAliveHeader: false, date: date)
                return closing(output)
            }
        }
        return output
    }

    public mutating func receive(_ bytes: [UInt8], date: String?, outputLimit: Int = .max,
                                 respond: (HTTPRequest) -> HTTPResponse) -> Output {
        bytes.withUnsafeBytes { receive($0, date: date, outputLimit: outputLimit, respond: respond) }
    }

    /// The connection was idle too long: 408 if a request was started or none ever came, else a silent close
    /// (a 408 on a reused keep-alive connection could be taken as the answer to the client's next request).
    public mutating func idleTimeout(date: String?) -> Output {
        guard !isClosing else { return Output(close: true) }
        var output = Output()
        if !parser.isIdle || completedRequests == 0 {
            output.bytes = HTTPResponse.plainText(.requestTimeout, "The server timed out waiting for the request.")
                .serialized(close: true, keepAliveHeader: false, date: date)
        }
        return closing(output)
    }

    /// What a connection beyond the server's connection limit is sent before it is closed.
    public static func overloadedResponse(date: String?) -> [UInt8] {
        HTTPResponse.plainText(.serviceUnavailable, "Too many connections; try again later.")
            .serialized(close: true, keepAliveHeader: false, date: date)
    }

    private mutating func closing(_ output: Output) -> Output {
        isClosing = true
        var output = output
        output.close = true
        return output
    }
}
