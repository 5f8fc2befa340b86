import Testing
@testable import HTTPServer

/// Inputs libFuzzer found (Sources/FuzzHTTP): the parser's events must not depend on how the bytes
/// were split across reads.
@Suite struct FuzzRegressionTests {
    /// A header section that ends exactly at `maxHeaderBytes`, read in pieces that may stop right
    /// after the CR of a CRLF: the CR was counted as content, so the section was refused as too
    /// large in pieces and accepted whole (found at 1,096 bytes; rebuilt small here).
    @Test func headerSectionAtTheLimitIsJudgedTheSameWhateverTheSplit() {
        let limits = HTTPLimits(maxRequestLineBytes: 64, maxHeaderBytes: 96, maxHeaderCount: 8, maxBodyBytes: 64)
        for padding in 40...70 {
            let text = "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: \(String(repeating: "p", count: padding))\r\n\r\n"
            let whole = parse(text, limits: limits)
            for piece in 1...24 {
                #expect(parse(text, pieceSize: piece, limits: limits) == whole, "padding \(padding), pieces of \(piece)")
            }
        }
    }
}
