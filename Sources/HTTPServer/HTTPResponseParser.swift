/// A response as a client reads it.
public struct HTTPClientResponse: Sendable, Equatable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// Reads responses from bytes (RFC 9112 §4, §6.3): `Content-Length`, chunked, or up to the end of the
/// connection; interim 1xx responses are skipped. For the command-line tools and tests.
public struct HTTPResponseParser: Sendable {
    public enum ParseError: Error, Sendable, Equatable { case malformed(String) }

    private var buffer: [UInt8] = []
    /// True when the request was HEAD: the response has headers only.
    private let headRequest: Bool

    public init(headRequest: Bool = false) { self.headRequest = headRequest }

    public mutating func append(_ bytes: some Sequence<UInt8>) { buffer.append(contentsOf: bytes) }

    /// The next complete response, nil if more bytes are needed. `atEnd` means the connection closed,
    /// which completes a response delimited by the close.
    public mutating func next(atEnd: Bool = false) throws(ParseError) -> HTTPClientResponse? {
        while true {
            guard let headEnd = findHeadEnd() else {
                if atEnd && !buffer.isEmpty { throw .malformed("connection closed inside the response head") }
                return nil
            }
            let (status, headers) = try parseHead(buffer[..<headEnd.start])
            if status.code >= 100 && status.code < 200 {
                buffer.removeSubrange(..<headEnd.end)
                continue
            }
            var bodyStart = headEnd.end
            let body: [UInt8]
            if headRequest || status.code == 204 || status.code == 304 {
                body = []
            } else if headers.tokens("Transfer-Encoding").last == "chunked" {
                guard let (decoded, end) = try decodeChunked(from: bodyStart) else {
                    if atEnd { throw .malformed("connection closed inside a chunked body") }
                    return nil
                }
                body = decoded
                bodyStart = end
                buffer.removeSubrange(..<bodyStart)
                return HTTPClientResponse(status: status, headers: headers, body: body)
            } else if let lengthText = headers["Content-Length"] {
                guard let length = Int(lengthText.trimmingASCIIWhitespace()), length >= 0 else {
                    throw .malformed("bad Content-Length")
                }
                guard buffer.count - bodyStart >= length else {
                    if atEnd { throw .malformed("connection closed inside the body") }
                    return nil
                }
                body = Array(buffer[bodyStart..<(bodyStart + length)])
                bodyStart += length
            } else {
                guard atEnd else { return nil }
                body = Array(buffer[bodyStart...])
                bodyStart = buffer.count
            }
            buffer.removeSubrange(..<bodyStart)
            return HTTPClientResponse(status: status, headers: headers, body: body)
        }
    }

    private func findHeadEnd() -> (start: Int, end: Int)? {
        var index = 0
        while index + 1 < buffer.count {
            if buffer[index] == 0x0A {
                if buffer[index + 1] == 0x0A { return (index, index + 2) }
                if buffer[index + 1] == 0x0D, index + 2 < buffer.count, buffer[index + 2] == 0x0A { return (index, index + 3) }
            }
            index += 1
        }
        return nil
    }

    private func parseHead(_ head: ArraySlice<UInt8>) throws(ParseError) -> (HTTPStatus, HTTPHeaders) {
        let lines = head.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
        }
        let statusParts = lines[0].split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/"), let code = Int(statusParts[1]) else {
            throw .malformed("bad status line '\(lines[0])'")
        }
        var headers = HTTPHeaders()
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw .malformed("bad header line '\(line)'") }
            headers.add(String(line[..<colon]), line[line.index(after: colon)...].trimmingASCIIWhitespace())
        }
        let reason = statusParts.count > 2 ? String(statusParts[2]) : ""
        return (HTTPStatus(code: code, reasonPhrase: reason), headers)
    }

    /// The decoded body and the index after it, or nil when incomplete.
    private func decodeChunked(from start: Int) throws(ParseError) -> ([UInt8], Int)? {
        var index = start
        var body: [UInt8] = []
        while true {
            guard let lineEnd = buffer[index...].firstIndex(of: 0x0A) else { return nil }
            let sizeText = String(decoding: buffer[index..<lineEnd], as: UTF8.self)
                .split(separator: ";").first?.trimmingASCIIWhitespace() ?? ""
            guard let size = Int(sizeText.replacingCRs(), radix: 16), size >= 0 else { throw .malformed("bad chunk size") }
            index = lineEnd + 1
            if size == 0 {
                while true {  // trailer fields, then an empty line
                    guard let end = buffer[index...].firstIndex(of: 0x0A) else { return nil }
                    let empty = end == index || (end == index + 1 && buffer[index] == 0x0D)
                    index = end + 1
                    if empty { return (body, index) }
                }
            }
            guard buffer.count - index >= size else { return nil }
            body += buffer[index..<(index + size)]
            index += size
            guard let end = buffer[index...].firstIndex(of: 0x0A) else { return nil }
            index = end + 1
        }
    }
}

private extension String {
    func replacingCRs() -> String { filter { $0 != "\r" } }
}
