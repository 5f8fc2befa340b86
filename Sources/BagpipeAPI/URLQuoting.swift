/// Python's `urllib.parse.quote(text)`: percent-encodes UTF-8 bytes except letters, digits, `_.-~` and `/`
/// (RFC 3986 §2.1), as BaGPipe does for looking-glass links.
public func urlQuote(_ text: String) -> String {
    var output = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "~"), UInt8(ascii: "/"):
            output.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let hex = String(byte, radix: 16, uppercase: true)
            output += "%" + (hex.count < 2 ? "0" : "") + hex
        }
    }
    return output
}
