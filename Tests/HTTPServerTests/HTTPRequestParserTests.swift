import Foundation
import Testing
@testable import HTTPServer

/// Feeds `text` in pieces of `pieceSize` bytes and collects every event.
func parse(_ text: String, pieceSize: Int = .max, limits: HTTPLimits = HTTPLimits()) -> [HTTPRequestParser.Event] {
    parse(Array(text.utf8), pieceSize: pieceSize, limits: limits)
}

func parse(_ bytes: [UInt8], pieceSize: Int = .max, limits: HTTPLimits = HTTPLimits()) -> [HTTPRequestParser.Event] {
    var parser = HTTPRequestParser(limits: limits)
    var events: [HTTPRequestParser.Event] = []
    var offset = 0
    repeat {
        let end = min(bytes.count, offset + max(1, min(pieceSize, bytes.count)))
        parser.append(Array(bytes[offset..<end]))
        offset = end
        while let event = parser.next() { events.append(event) }
    } while offset < bytes.count
    return events
}

func requests(_ events: [HTTPRequestParser.Event]) -> [HTTPRequest] {
    events.compactMap { if case .request(let request) = $0 { request } else { nil } }
}

@Suite struct HTTPRequestParserTests {
    @Test func readsASimpleGet() throws {
        let events = parse("GET /ping HTTP/1.1\r\nHost: 127.0.0.1:8082\r\nAccept: application/json\r\n\r\n")
        let request = try #require(requests(events).first)
        #expect(events.count == 1)
        #expect(request.method == "GET")
        #expect(request.target == "/ping")
        #expect(request.version == .http1_1)
        #expect(request.headers["host"] == "127.0.0.1:8082")
        #expect(request.headers["ACCEPT"] == "application/json")
        #expect(request.body.isEmpty)
        #expect(request.wantsKeepAlive)
    }

    @Test func readsAContentLengthBody() throws {
        let body = #"{"vpn_type": "evpn"}"#
        let request = try #require(requests(parse("POST /attach_localport HTTP/1.1\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")).first)
        #expect(String(decoding: request.body, as: UTF8.self) == body)
    }

    @Test func readsAChunkedBodyWithExtensionsAndTrailers() throws {
        let text = "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n1 ; ext\r\n \r\nA\r\n0123456789\r\n0\r\nTrailer-Field: 1\r\n\r\n"
        let request = try #require(requests(parse(text)).first)
        #expect(String(decoding: request.body, as: UTF8.self) == "hello 0123456789")
    }

    @Test func pipelinedRequestsComeOutInOrder() {
        let text = "GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyzGET /c HTTP/1.0\r\n\r\n"
        let all = requests(parse(text))
        #expect(all.map(\.target) == ["/a", "/b", "/c"])
        #expect(all[1].body == Array("xyz".utf8))
        #expect(all[2].version == .http1_0)
        #expect(!all[2].wantsKeepAlive)
    }

    @Test func anySplitGivesTheSameEvents() {
        let inputs = [
            "GET /a HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /c HTTP/1.1\r\n\r\n",
            "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n",
            "POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
            "GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",
            "\r\n\nGET /lf HTTP/1.1\nHost: h\n\n",
        ]
        for input in inputs {
            let whole = parse(input).filter { $0 != .continueExpected }
            for size in [1, 2, 3, 7, 16] {
                #expect(parse(input, pieceSize: size).filter { $0 != .continueExpected } == whole, "piece size \(size): \(input)")
            }
        }
    }

    @Test func acceptsBareLineFeedsAndLeadingEmptyLines() throws {
        let request = try #require(requests(parse("\r\n\r\nGET /lf HTTP/1.1\nHost: h\n\n")).first)
        #expect(request.target == "/lf")
        #expect(request.headers["Host"] == "h")
    }

    @Test func trimsOptionalWhitespaceAroundValues() throws {
        let request = try #require(requests(parse("GET / HTTP/1.1\r\nX-A: \t  spaced value \t\r\nX-Empty:\r\n\r\n")).first)
        #expect(request.headers["X-A"] == "spaced value")
        #expect(request.headers["X-Empty"] == "")
    }

    @Test func expectContinueIsAnnouncedOnlyWhileTheBodyIsMissing() {
        let head = "POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"
        var parser = HTTPRequestParser()
        parser.append(Array(head.utf8))
        #expect(parser.next() == .continueExpected)
        #expect(parser.next() == nil)
        parser.append(Array("ok".utf8))
        guard case .request(let request)? = parser.next() else { Issue.record("no request"); return }
        #expect(request.body == Array("ok".utf8))

        #expect(!parse(head + "ok").contains(.continueExpected))
        #expect(!parse(head.replacingOccurrences(of: "1.1", with: "1.0")).contains(.continueExpected))
        #expect(!parse("POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n").contains(.continueExpected))
    }

    @Test(arguments: [
        ("GET /\r\n\r\n", HTTPParseError.malformedRequestLine),
        ("GET  / HTTP/1.1\r\n\r\n", .malformedRequestLine),
        ("GET / HTTP/1.1 extra\r\n\r\n", .malformedRequestLine),
        ("G(T / HTTP/1.1\r\n\r\n", .malformedRequestLine),
        ("GET /a\u{7F}b HTTP/1.1\r\n\r\n", .malformedRequestLine),
        ("GET / HTTX/1.1\r\n\r\n", .malformedRequestLine),
        ("GET / HTTP/2.0\r\n\r\n", .unsupportedVersion),
        ("GET / HTTP/0.9\r\n\r\n", .unsupportedVersion),
        ("GET / HTTP/1.1\r\nNo-Colon\r\n\r\n", .malformedHeaderField),
        ("GET / HTTP/1.1\r\nSpace : before colon\r\n\r\n", .malformedHeaderField),
        ("GET / HTTP/1.1\r\n: no name\r\n\r\n", .malformedHeaderField),
        ("GET / HTTP/1.1\r\nX: a\u{1}b\r\n\r\n", .malformedHeaderField),
        ("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", .malformedHeaderField),
        ("GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", .obsoleteLineFolding),
        ("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", .invalidContentLength),
        ("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", .invalidContentLength),
        ("POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", .invalidContentLength),
        ("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", .invalidContentLength),
        ("POST / HTTP/1.1\r\nContent-Length: 1, 2\r\n\r\n", .invalidContentLength),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n", .ambiguousFraming),
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", .ambiguousFraming),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", .ambiguousFraming),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", .unsupportedTransferCoding),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", .malformedChunk),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3x\r\n", .malformedChunk),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", .malformedChunk),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n", .malformedHeaderField),
        ("POST / HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n", .bodyTooLarge),
        ("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", .bodyTooLarge),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n100001\r\n", .bodyTooLarge),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n", .bodyTooLarge),
        ("POST / HTTP/1.1\r\nExpect: something-else\r\n\r\n", .unsupportedExpectation),
    ])
    func rejects(_ input: String, _ expected: HTTPParseError) {
        for size in [Int.max, 1] {
            let events = parse(input, pieceSize: size)
            #expect(events.last == .error(expected), "\(input.debugDescription) split \(size): \(events)")
        }
    }

    @Test func identicalRepeatedContentLengthsAreAccepted() throws {
        let request = try #require(requests(parse("POST / HTTP/1.1\r\nContent-Length: 2, 2\r\nContent-Length: 002\r\n\r\nab")).first)
        #expect(request.body == Array("ab".utf8))
    }

    @Test func enforcesSizeLimits() {
        let limits = HTTPLimits(maxRequestLineBytes: 32, maxHeaderBytes: 128, maxHeaderCount: 3, maxBodyBytes: 10)
        let longTarget = "GET /" + String(repeating: "a", count: 40) + " HTTP/1.1\r\n\r\n"
        #expect(parse(longTarget, limits: limits).last == .error(.requestLineTooLong))
        #expect(parse(longTarget, pieceSize: 1, limits: limits).last == .error(.requestLineTooLong))
        // An unterminated request line is rejected as soon as it is too long, without waiting for its end.
        #expect(parse("GET /" + String(repeating: "a", count: 40), limits: limits).last == .error(.requestLineTooLong))

        let bigField = "GET / HTTP/1.1\r\nX: " + String(repeating: "v", count: 200) + "\r\n\r\n"
        #expect(parse(bigField, limits: limits).last == .error(.headersTooLarge))
        #expect(parse("GET / HTTP/1.1\r\nX: " + String(repeating: "v", count: 200), limits: limits).last == .error(.headersTooLarge))
        let manyFields = "GET / HTTP/1.1\r\n" + (1...4).map { "X\($0): v\r\n" }.joined() + "\r\n"
        #expect(parse(manyFields, limits: limits).last == .error(.headersTooLarge))
        let manySmallFields = "GET / HTTP/1.1\r\n" + String(repeating: "X: 0123456789\r\n", count: 10) + "\r\n"
        #expect(parse(manySmallFields, limits: HTTPLimits(maxHeaderBytes: 128)).last == .error(.headersTooLarge))

        #expect(parse("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits: limits).last == .error(.bodyTooLarge))
        #expect(requests(parse("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits)).count == 1)
        let chunks = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n5\r\n01234\r\n0\r\n\r\n"
        #expect(parse(chunks, limits: limits).last == .error(.bodyTooLarge))
    }

    @Test func aFailedParserIgnoresFurtherInput() {
        var parser = HTTPRequestParser()
        parser.append(Array("BAD\r\n".utf8))
        #expect(parser.next() == .error(.malformedRequestLine))
        #expect(parser.hasFailed)
        parser.append(Array("GET / HTTP/1.1\r\n\r\n".utf8))
        #expect(parser.next() == nil)
    }

    @Test func reportsIdleOnlyBetweenRequests() {
        var parser = HTTPRequestParser()
        #expect(parser.isIdle)
        parser.append(Array("GET / HT".utf8))
        #expect(parser.next() == nil)
        #expect(!parser.isIdle)
        parser.append(Array("TP/1.1\r\n\r\n".utf8))
        #expect(parser.next() != nil)
        #expect(parser.isIdle)
    }

    @Test func bigBodyArrivesInManyPieces() throws {
        let body = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let head = Array("POST / HTTP/1.1\r\nContent-Length: \(body.count)\r\n\r\n".utf8)
        let request = try #require(requests(parse(head + body, pieceSize: 65_536)).first)
        #expect(request.body == body)
    }

    @Test func pathAndSegmentsArePercentDecoded() {
        let request = HTTPRequest(method: "GET", target: "/looking-glass/vpns/instances/my%20vpn%2Fx/?q=1")
        #expect(request.path == "/looking-glass/vpns/instances/my%20vpn%2Fx/")
        #expect(request.pathSegments == ["looking-glass", "vpns", "instances", "my vpn/x"])
        #expect(HTTPRequest(method: "GET", target: "http://h:1/ping?x").path == "/ping")
        #expect(HTTPRequest(method: "GET", target: "http://h:1").path == "/")
        #expect(HTTPRequest(method: "GET", target: "/bad%zz%4").pathSegments == ["bad%zz%4"])
    }
}
