/// The HTTP versions this server speaks (RFC 9112 §2.3).
public enum HTTPVersion: Sendable, Hashable, CustomStringConvertible {
    case http1_0
    case http1_1

    public var description: String { self == .http1_0 ? "HTTP/1.0" : "HTTP/1.1" }
}

/// One complete request: request line (RFC 9112 §3), header fields and the decoded body.
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    /// The request-target as received (origin-form, absolute-form, or `*`).
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// The message body with any chunked transfer coding removed.
    public var body: [UInt8]
    /// `host:port` of the socket the request arrived on, used when a request has no `Host` field.
    public var serverAddress: String?

    public init(method: String, target: String, version: HTTPVersion = .http1_1,
                headers: HTTPHeaders = [:], body: [UInt8] = [], serverAddress: String? = nil) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
        self.serverAddress = serverAddress
    }

    /// The path part of the target, still percent-encoded; absolute-form targets are reduced to it.
    public var path: String {
        var rest = Substring(target)
        if !rest.hasPrefix("/"), let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") {
            rest = rest[rest.index(colon, offsetBy: 3)...]  // absolute-form (RFC 9112 §3.2.2): drop scheme and authority
            rest = rest.firstIndex(of: "/").map { rest[$0...] } ?? "/"
        }
        if let query = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<query] }
        return String(rest)
    }

    /// The path split on `/`, each segment percent-decoded; empty segments are dropped.
    public var pathSegments: [String] {
        path.split(separator: "/").map { percentDecode($0) }
    }

    /// The authority the client addressed: the `Host` field, else the listening address.
    public var host: String { headers["Host"] ?? serverAddress ?? "localhost" }

    /// Whether the client wants the connection kept open after this exchange (RFC 9112 §9.3).
    public var wantsKeepAlive: Bool {
        let options = headers.tokens("Connection")
        switch version {
        case .http1_1: return !options.contains("close")
        case .http1_0: return options.contains("keep-alive") && !options.contains("close")
        }
    }
}

/// Decodes `%XX` escapes (RFC 3986 §2.1); malformed escapes are kept literally, bytes decoded as UTF-8.
func percentDecode(_ text: Substring) -> String {
    guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.utf8.count)
    var iterator = Array(text.utf8)[...]
    while let byte = iterator.popFirst() {
        if byte == UInt8(ascii: "%"), iterator.count >= 2,
           let high = hexValue(iterator[iterator.startIndex]),
           let low = hexValue(iterator[iterator.startIndex + 1]) {
            bytes.append(high << 4 | low)
            iterator.removeFirst(2)
        } else {
            bytes.append(byte)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

@inline(__always) func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}
