import Testing
import OrderedJSON

@Suite struct JSONTests {
    @Test func parsesEveryKindAndKeepsKeyOrder() throws {
        let value = try JSONValue(parsing: #" {"b": [1, -2.5e3, true, false, null], "a": {"z": "x\"y\\\/\n\u00e9\ud83d\ude00"}, "c": 0} "#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["b", "a", "c"])
        #expect(object["b"] == [1, -2500.0, true, false, nil])
        #expect(object["a"]?.objectValue?["z"] == .string("x\"y\\/\né😀"))
        #expect(object["c"] == 0)
    }

    @Test func serializesLikePythonJsonDumps() throws {
        let value: JSONValue = ["import_rt": ["64512:513"], "local_port": ["linuxif": "ns-x"], "vni": 0, "ok": true,
                                "none": nil, "text": "é\u{1}\"", "half": 0.5, "whole": 2.0]
        #expect(value.serialized() == #"{"import_rt": ["64512:513"], "local_port": {"linuxif": "ns-x"}, "vni": 0, "ok": true, "none": null, "text": "\u00e9\u0001\"", "half": 0.5, "whole": 2.0}"#)
        #expect(value.serialized(.compact) == "{\"import_rt\":[\"64512:513\"],\"local_port\":{\"linuxif\":\"ns-x\"},\"vni\":0,\"ok\":true,\"none\":null,\"text\":\"é\\u0001\\\"\",\"half\":0.5,\"whole\":2.0}")
        #expect(JSONValue.string("😀").serialized() == #""\ud83d\ude00""#)
        #expect(try JSONValue(parsing: value.serialized()) == value)
    }

    @Test func repeatedKeyKeepsFirstPlaceAndLastValue() throws {
        let object = try #require(try JSONValue(parsing: #"{"a": 1, "b": 2, "a": 3}"#).objectValue)
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == 3)
    }

    @Test func objectEqualityIgnoresOrder() throws {
        #expect(try JSONValue(parsing: #"{"a": 1, "b": 2}"#) == JSONValue(parsing: #"{"b": 2, "a": 1}"#))
    }

    @Test func integersBeyondInt64BecomeDoubles() throws {
        #expect(try JSONValue(parsing: "9223372036854775807") == .int(.max))
        #expect(try JSONValue(parsing: "92233720368547758080") == .double(92233720368547758080))
    }

    @Test(arguments: ["", " ", "{", "[1,]", "{\"a\":1,}", "{'a': 1}", "01", "1.", ".5", "-", "1e", "NaN", "Infinity",
                      "tru", "nul", "1e400", "-1e400", "\"abc", "\"\\x\"", "\"\\u12\"", "\"a\u{1}b\"", "[1] 2", "{\"a\" 1}", "{1: 2}"])
    func rejectsInvalidText(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }

    @Test func rejectsInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0xFF, 0x22]) }
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: deep) }
        let fine = String(repeating: "[", count: 150) + String(repeating: "]", count: 150)
        #expect(throws: Never.self) { try JSONValue(parsing: fine) }
    }

    @Test func loneSurrogateBecomesReplacementCharacter() throws {
        #expect(try JSONValue(parsing: #""a\ud800b""#) == .string("a\u{FFFD}b"))
    }
}
