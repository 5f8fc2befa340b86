/// An incremental HTTP/1.1 request reader (RFC 9112): feed it bytes as they arrive, take events out.
///
/// Pure state machine: no I/O, no clock. Requests may be split anywhere and pipelined back to back; each
/// complete one comes out as `.request`. A fatal error comes out once as `.error`, after which the parser
/// ignores everything (the connection must answer and close). Work per byte is bounded: line searches resume
/// where they stopped, so a request trickled in one byte at a time costs no more than one sent at once.
public struct HTTPRequestParser: Sendable {
    public enum Event: Sendable, Equatable {
        /// The head carried `Expect: 100-continue` and the body has not arrived yet (RFC 9110 §10.1.1).
        case continueExpected
        case request(HTTPRequest)
        case error(HTTPParseError)
    }

    private enum State: Sendable {
        case requestLine
        case headerFields
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailer
        case failed
    }

    private struct Head: Sendable {
        var method: String
        var target: String
        var version: HTTPVersion
        var headers = HTTPHeaders()
    }

    private enum Line {
        case line(Range<Int>)
        case needMore
        case tooLong
    }

    public let limits: HTTPLimits
    private var buffer: [UInt8] = []
    /// First byte not consumed yet.
    private var position = 0
    /// Where the search for the next line feed resumes.
    private var scanPosition = 0
    private var state = State.requestLine
    /// Bytes of the current header section (or trailer section) so far.
    private var sectionBytes = 0
    private var head: Head?
    private var body: [UInt8] = []
    private var pendingContinue = false

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
    }

    /// True when no part of a request is buffered or being read.
    public var isIdle: Bool {
        if case .requestLine = state { return position == buffer.count && sectionBytes == 0 }
        return false
    }

    /// True once an error was reported.
    public var hasFailed: Bool {
        if case .failed = state { return true }
        return false
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if case .failed = state { return }
        compact()
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next event the buffered bytes allow, or nil when more bytes are needed.
    public mutating func next() -> Event? {
        do throws(HTTPParseError) {
            return try step()
        } catch {
            state = .failed
            buffer = []
            position = 0
            scanPosition = 0
            return .error(error)
        }
    }

    private mutating func step() throws(HTTPParseError) -> Event? {
        while true {
            switch state {
            case .failed:
                return nil
            case .requestLine:
                switch readLine(limit: limits.maxRequestLineBytes) {
                case .needMore: return nil
                case .tooLong: throw .requestLineTooLong
                case .line(let range):
                    try countSectionBytes(range)
                    if range.isEmpty { continue }  // RFC 9112 §2.2: ignore empty lines before the request line
                    head = try parseRequestLine(buffer[range])
                    state = .headerFields
                }
            case .headerFields:
                guard let range = try readFieldLine() else { return nil }
                if range.isEmpty {
                    if let event = try startBody() { return event }
                    continue
                }
                guard head!.headers.count < limits.maxHeaderCount else { throw .headersTooLarge }
                let (name, value) = try parseField(buffer[range])
                head!.headers.add(name, value)
            case .fixedBody(let remaining):
                let left = consumeBody(remaining)
                if left > 0 {
                    state = .fixedBody(remaining: left)
                    return nil
                }
                return finishRequest()
            case .chunkSize:
                switch readLine(limit: limits.maxChunkLineBytes) {
                case .needMore: return nil
                case .tooLong: throw .malformedChunk
                case .line(let range):
                    let size = try parseChunkSize(buffer[range])
                    guard size <= limits.maxBodyBytes - body.count else { throw .bodyTooLarge }
                    if size == 0 {
                        sectionBytes = 0
                        state = .trailer
                    } else {
                        body.reserveCapacity(body.count + size)
                        state = .chunkData(remaining: size)
                    }
                }
            case .chunkData(let remaining):
                let left = consumeBody(remaining)
                if left > 0 {
                    state = .chunkData(remaining: left)
                    return nil
                }
                state = .chunkDataEnd
            case .chunkDataEnd:
                switch readLine(limit: 0) {
                case .needMore: return nil
                case .tooLong: throw .malformedChunk
                case .line: state = .chunkSize
                }
            case .trailer:
                guard let range = try readFieldLine() else { return nil }
                if range.isEmpty { return finishRequest() }
                _ = try parseField(buffer[range])  // trailer fields are read and dropped (RFC 9112 §7.1.2)
            }
        }
    }

    /// The next header or trailer field line (empty at the end of the section), or nil until it is
    /// all buffered; a section over `maxHeaderBytes` is refused as soon as that is certain, counted
    /// as `countSectionBytes` will count the line once it ends (a CR that may start its CRLF is not
    /// content), so the answer does not depend on where the input was split.
    private mutating func readFieldLine() throws(HTTPParseError) -> Range<Int>? {
        switch readLine(limit: limits.maxHeaderBytes) {
        case .needMore:
            let pending = buffer.count - position - (buffer.last == 0x0D ? 1 : 0)
            if sectionBytes + pending > limits.maxHeaderBytes { throw .headersTooLarge }
            return nil
        case .tooLong: throw .headersTooLarge
        case .line(let range):
            try countSectionBytes(range)
            return range
        }
    }

    /// Moves up to `remaining` buffered bytes into the body; returns how many are still to come.
    private mutating func consumeBody(_ remaining: Int) -> Int {
        let available = min(remaining, buffer.count - position)
        body.append(contentsOf: buffer[position..<(position + available)])
        position += available
        scanPosition = position
        return remaining - available
    }

    /// Finds the next line ending at LF (a preceding CR is dropped) within `limit` bytes of content.
    private mutating func readLine(limit: Int) -> Line {
        let searchEnd = min(buffer.count, position + limit + 2)
        var index = max(scanPosition, position)
        while index < searchEnd {
            if buffer[index] == 0x0A {
                var end = index
                if end > position && buffer[end - 1] == 0x0D { end -= 1 }
                let range = position..<end
                position = index + 1
                scanPosition = position
                return range.count > limit ? .tooLong : .line(range)
            }
            index += 1
        }
        scanPosition = index
        return buffer.count - position > limit + 1 ? .tooLong : .needMore
    }

    private mutating func countSectionBytes(_ line: Range<Int>) throws(HTTPParseError) {
        sectionBytes += line.count + 2
        if sectionBytes > limits.maxHeaderBytes + 2 { throw .headersTooLarge }
    }

    /// `method SP request-target SP HTTP-version` (RFC 9112 §3).
    private func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> Head {
        let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(isTokenByte),
              !parts[1].isEmpty, parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw .malformedRequestLine }
        let version = Array(parts[2])
        guard version.count == 8, version.starts(with: Array("HTTP/".utf8)), version[6] == UInt8(ascii: "."),
              isDigit(version[5]), isDigit(version[7]) else { throw .malformedRequestLine }
        let httpVersion: HTTPVersion
        switch (version[5], version[7]) {
        case (UInt8(ascii: "1"), UInt8(ascii: "1")): httpVersion = .http1_1
        case (UInt8(ascii: "1"), UInt8(ascii: "0")): httpVersion = .http1_0
        default: throw .unsupportedVersion
        }
        return Head(method: String(decoding: parts[0], as: UTF8.self), target: String(decoding: parts[1], as: UTF8.self),
                    version: httpVersion)
    }

    /// `field-name ":" OWS field-value OWS` (RFC 9112 §5).
    private func parseField(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (String, String) {
        guard let first = line.first else { throw .malformedHeaderField }
        if first == 0x20 || first == 0x09 { throw .obsoleteLineFolding }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
              line[line.startIndex..<colon].allSatisfy(isTokenByte) else { throw .malformedHeaderField }
        var valueStart = colon + 1, valueEnd = line.endIndex
        while valueStart < valueEnd, line[valueStart] == 0x20 || line[valueStart] == 0x09 { valueStart += 1 }
        while valueEnd > valueStart, line[valueEnd - 1] == 0x20 || line[valueEnd - 1] == 0x09 { valueEnd -= 1 }
        let value = line[valueStart..<valueEnd]
        guard value.allSatisfy({ $0 == 0x09 || $0 >= 0x20 && $0 != 0x7F }) else { throw .malformedHeaderField }
        return (String(decoding: line[line.startIndex..<colon], as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    /// Decides how the body is delimited (RFC 9112 §6.3) and whether the client waits for 100 Continue.
    private mutating func startBody() throws(HTTPParseError) -> Event? {
        let head = head!
        let codings = head.headers.tokens("Transfer-Encoding")
        let lengths = head.headers.values("Content-Length")
        var chunked = false
        var length = 0
        if !head.headers.values("Transfer-Encoding").isEmpty {
            guard lengths.isEmpty, head.version == .http1_1 else { throw .ambiguousFraming }
            guard codings.allSatisfy({ $0 == "chunked" }) else { throw .unsupportedTransferCoding }
            guard codings.count == 1 else { throw .ambiguousFraming }
            chunked = true
        } else if !lengths.isEmpty {
            length = try parseContentLength(lengths)
        }
        let expectations = head.headers.tokens("Expect")
        guard expectations.allSatisfy({ $0 == "100-continue" }) else { throw .unsupportedExpectation }
        body = []
        sectionBytes = 0
        if chunked {
            state = .chunkSize
        } else if length > 0 {
            body.reserveCapacity(length)
            state = .fixedBody(remaining: length)
        } else {
            return finishRequest()
        }
        // A client that already started sending the body is not waiting.
        if !expectations.isEmpty, head.version == .http1_1, position == buffer.count { return .continueExpected }
        return nil
    }

    /// One or more identical decimal values (RFC 9110 §8.6); anything above the body limit is 413.
    private func parseContentLength(_ values: [String]) throws(HTTPParseError) -> Int {
        var result: Int?
        for element in values.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: false) }) {
            let digits = element.trimmingASCIIWhitespace().utf8
            guard !digits.isEmpty, digits.allSatisfy(isDigit) else { throw .invalidContentLength }
            let significant = digits.drop { $0 == UInt8(ascii: "0") }
            let value = significant.count > 15 ? Int.max : significant.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            if let result, result != value { throw .invalidContentLength }
            result = value
        }
        guard let result else { throw .invalidContentLength }
        guard result <= limits.maxBodyBytes else { throw .bodyTooLarge }
        return result
    }

    /// `chunk-size [ BWS ";" chunk-ext ]` (RFC 9112 §7.1); extensions are ignored.
    private func parseChunkSize(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> Int {
        var index = line.startIndex
        var size = 0
        var significantDigits = 0
        while index < line.endIndex, let digit = hexValue(line[index]) {
            if size > 0 || digit > 0 { significantDigits += 1 }
            if significantDigits > 8 { throw .bodyTooLarge }
            size = size << 4 | Int(digit)
            index += 1
        }
        guard index > line.startIndex else { throw .malformedChunk }
        while index < line.endIndex, line[index] == 0x20 || line[index] == 0x09 { index += 1 }
        guard index == line.endIndex || line[index] == UInt8(ascii: ";") else { throw .malformedChunk }
        guard line[index...].allSatisfy({ $0 == 0x09 || $0 >= 0x20 && $0 != 0x7F }) else { throw .malformedChunk }
        return size
    }

    private mutating func finishRequest() -> Event {
        let finished = head!
        let request = HTTPRequest(method: finished.method, target: finished.target, version: finished.version,
                                  headers: finished.headers, body: body)
        head = nil
        body = []
        sectionBytes = 0
        state = .requestLine
        return .request(request)
    }

    /// Drops consumed bytes once they are most of the buffer, keeping appends amortized O(1).
    private mutating func compact() {
        if position == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
        } else if position >= 4096 && position * 2 >= buffer.count {
            buffer.removeSubrange(0..<position)
        } else {
            return
        }
        scanPosition -= position
        position = 0
    }
}

@inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

/// `tchar` of RFC 9110 §5.6.2.
@inline(__always) func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        return true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
         UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
         UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
        return true
    default:
        return false
    }
}
