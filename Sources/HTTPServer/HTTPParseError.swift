/// Why a request could not be read; each maps to the status the client is sent before the connection closes.
public enum HTTPParseError: Error, Sendable, Equatable {
    case malformedRequestLine
    case malformedHeaderField
    /// A line folded onto the previous one (obs-fold, RFC 9112 §5.2).
    case obsoleteLineFolding
    case invalidContentLength
    /// Both `Transfer-Encoding` and `Content-Length`, or a `Transfer-Encoding` in HTTP/1.0 (RFC 9112 §6.1).
    case ambiguousFraming
    case malformedChunk
    case requestLineTooLong
    case headersTooLarge
    case bodyTooLarge
    case unsupportedVersion
    case unsupportedTransferCoding
    case unsupportedExpectation

    public var status: HTTPStatus {
        switch self {
        case .malformedRequestLine, .malformedHeaderField, .obsoleteLineFolding, .invalidContentLength,
             .ambiguousFraming, .malformedChunk: .badRequest
        case .requestLineTooLong: .uriTooLong
        case .headersTooLarge: .requestHeaderFieldsTooLarge
        case .bodyTooLarge: .contentTooLarge
        case .unsupportedVersion: .httpVersionNotSupported
        case .unsupportedTransferCoding: .notImplemented
        case .unsupportedExpectation: .expectationFailed
        }
    }

    /// A sentence for the error page.
    public var detail: String {
        switch self {
        case .malformedRequestLine: "The request line is not 'METHOD target HTTP/1.x'."
        case .malformedHeaderField: "A header field is malformed."
        case .obsoleteLineFolding: "Folded header lines are not accepted."
        case .invalidContentLength: "The Content-Length header is invalid."
        case .ambiguousFraming: "The message length is ambiguous (Transfer-Encoding with Content-Length or HTTP/1.0)."
        case .malformedChunk: "The chunked body is malformed."
        case .requestLineTooLong: "The request line is too long."
        case .headersTooLarge: "The request header fields are too large."
        case .bodyTooLarge: "The request body is too large."
        case .unsupportedVersion: "Only HTTP/1.0 and HTTP/1.1 are supported."
        case .unsupportedTransferCoding: "Only the chunked transfer coding is supported."
        case .unsupportedExpectation: "Only the 100-continue expectation is supported."
        }
    }
}
