/// A response to send: status, header fields and body (RFC 9112 §4, §6).
///
/// `Content-Length`, `Date`, `Server` and `Connection` are added by the server when it serializes.
public struct HTTPResponse: Sendable, Equatable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: HTTPStatus, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response with a UTF-8 body and its `Content-Type`.
    public init(status: HTTPStatus, contentType: String, body: String) {
        self.init(status: status, headers: ["Content-Type": contentType], body: Array(body.utf8))
    }

    /// A plain-text error page: the status line, a blank line and `detail`.
    public static func plainText(_ status: HTTPStatus, _ detail: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=UTF-8", body: "\(status)\n\n\(detail)\n")
    }

    /// Whether RFC 9110 §6.4.1 forbids a body (1xx, 204, 304).
    var forbidsBody: Bool { status.code < 200 || status.code == 204 || status.code == 304 }

    /// The bytes on the wire. `omitBody` is for HEAD: headers describe the body that is not sent.
    func serialized(close: Bool, keepAliveHeader: Bool, date: String?, omitBody: Bool = false) -> [UInt8] {
        var head = "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n"
        for (name, value) in headers where !Self.managedHeaders.contains(where: { HTTPHeaders.sameName($0, name) }) {
            head += "\(name): \(value)\r\n"
        }
        if !forbidsBody { head += "Content-Length: \(body.count)\r\n" }
        if let date { head += "Date: \(date)\r\n" }
        head += "Server: swift-bagpipe\r\n"
        if close {
            head += "Connection: close\r\n"
        } else if keepAliveHeader {
            head += "Connection: keep-alive\r\n"
        }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if !omitBody && !forbidsBody { bytes += body }
        return bytes
    }

    /// Fields the server itself writes; a handler's copies are ignored.
    static let managedHeaders = ["Content-Length", "Transfer-Encoding", "Connection", "Date", "Server"]
}
