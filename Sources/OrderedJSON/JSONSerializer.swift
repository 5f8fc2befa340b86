extension JSONValue {
    /// How to write JSON text.
    public enum Style: Sendable {
        /// Python's `json.dumps` defaults: `", "` and `": "` separators, non-ASCII as `\uXXXX`.
        case python
        /// No spaces, UTF-8 as is.
        case compact
    }

    /// The JSON text of this value; non-finite doubles become `null`.
    public func serialized(_ style: Style = .python) -> String {
        var output = ""
        write(to: &output, style: style)
        return output
    }

    public func serializedBytes(_ style: Style = .python) -> [UInt8] { Array(serialized(style).utf8) }

    private func write(to output: inout String, style: Style) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .double(let value): output += value.isFinite ? pythonFloatRepr(value) : "null"
        case .string(let value): writeString(value, to: &output, asciiOnly: style == .python)
        case .array(let elements):
            output += "["
            for (position, element) in elements.enumerated() {
                if position > 0 { output += style == .python ? ", " : "," }
                element.write(to: &output, style: style)
            }
            output += "]"
        case .object(let object):
            output += "{"
            for (position, (key, value)) in object.enumerated() {
                if position > 0 { output += style == .python ? ", " : "," }
                writeString(key, to: &output, asciiOnly: style == .python)
                output += style == .python ? ": " : ":"
                value.write(to: &output, style: style)
            }
            output += "}"
        }
    }
}

private func writeString(_ string: String, to output: inout String, asciiOnly: Bool) {
    output += "\""
    for scalar in string.unicodeScalars {
        switch scalar {
        case "\"": output += "\\\""
        case "\\": output += "\\\\"
        case "\n": output += "\\n"
        case "\r": output += "\\r"
        case "\t": output += "\\t"
        case "\u{08}": output += "\\b"
        case "\u{0C}": output += "\\f"
        case _ where scalar.value < 0x20 || (asciiOnly && scalar.value > 0x7E):
            if scalar.value > 0xFFFF {
                let offset = scalar.value - 0x10000
                output += hex4(0xD800 + (offset >> 10)) + hex4(0xDC00 + (offset & 0x3FF))
            } else {
                output += hex4(scalar.value)
            }
        default: output.unicodeScalars.append(scalar)
        }
    }
    output += "\""
}

private func hex4(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
}

/// Python's `repr(float)`: shortest round-trip digits, always with a `.` or an exponent.
public func pythonFloatRepr(_ value: Double) -> String {
    let text = value.description
    return text.contains(".") || text.contains("e") || text.contains("n") ? text : text + ".0"
}

extension JSONValue: CustomStringConvertible {
    public var description: String { serialized() }
}

extension JSONObject: CustomStringConvertible {
    public var description: String { JSONValue.object(self).serialized() }
}
