/// Test helpers: hex text to bytes and back. Whitespace, `×` repeats are not supported; write bytes out.
func bytes(_ hex: String) -> [UInt8] {
    let digits = hex.filter { $0.isHexDigit }
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    var result: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        result.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return result
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

/// A whole message: marker, then `body` which starts with the length field.
func message(_ afterMarker: String) -> [UInt8] {
    [UInt8](repeating: 0xFF, count: 16) + bytes(afterMarker)
}
