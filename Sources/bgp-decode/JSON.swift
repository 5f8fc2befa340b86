import OrderedJSON

/// The JSON of one decoded message: objects built from (key, value) pairs in print order.
typealias JSON = JSONValue

extension JSONValue {
    /// An object with `fields` in this order.
    static func fields(_ fields: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(fields)) }
    static func number(_ value: some BinaryInteger) -> JSONValue { .int(Int64(value)) }
    static func text(_ value: some CustomStringConvertible) -> JSONValue { .string(value.description) }

    /// One line of output: compact, UTF-8 as is.
    var line: String { serialized(.compact) }
}

/// Lower-case hex without separators.
func hexString(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}
