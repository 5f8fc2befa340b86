import OrderedJSON
/// Python's `repr()` and `str()` of JSON values, so that error messages read exactly as BaGPipe's
/// (e.g. `{'linuxif': 'tap1'}`, `('52:54:00:aa:bb:cc', None)`).
extension JSONValue {
    public var pythonRepr: String {
        switch self {
        case .null: "None"
        case .bool(let value): value ? "True" : "False"
        case .int(let value): String(value)
        case .double(let value): value.isFinite ? pythonFloatRepr(value) : (value.isNaN ? "nan" : value < 0 ? "-inf" : "inf")
        case .string(let value): pythonStringRepr(value)
        case .array(let elements): "[" + elements.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .object(let object):
            "{" + object.map { "\(pythonStringRepr($0.key)): \($0.value.pythonRepr)" }.joined(separator: ", ") + "}"
        }
    }

    /// `str()`: strings unquoted, everything else as `repr()`.
    public var pythonString: String { stringValue ?? pythonRepr }
}

/// `repr(str)`: single quotes unless the text has a single quote and no double quote.
func pythonStringRepr(_ text: String) -> String {
    let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
    var output = String(quote)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": output += "\\\\"
        case "\n": output += "\\n"
        case "\r": output += "\\r"
        case "\t": output += "\\t"
        case _ where Character(scalar) == quote: output += "\\" + String(quote)
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            let digits = String(scalar.value, radix: 16)
            output += "\\x" + (digits.count < 2 ? "0" : "") + digits
        default: output.unicodeScalars.append(scalar)
        }
    }
    output.append(quote)
    return output
}
