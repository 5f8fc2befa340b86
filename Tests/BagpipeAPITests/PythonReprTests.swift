@testable import BagpipeAPI
import OrderedJSON
import Testing

/// The Python-compatible texts BaGPipe's messages and looking-glass links are made of.
@Suite struct PythonReprTests {
    @Test func pythonReprMatchesPython() {
        let port: JSONValue = ["linuxif": "tap1", "ovs": ["plugged": true, "vlan": nil, "n": 1.5]]
        #expect(port.pythonRepr == "{'linuxif': 'tap1', 'ovs': {'plugged': True, 'vlan': None, 'n': 1.5}}")
        #expect(JSONValue.string("it's").pythonRepr == "\"it's\"")
        #expect(JSONValue.string("a\nb").pythonRepr == "'a\\nb'")
        #expect(JSONValue.array(["x", 1]).pythonString == "['x', 1]")
        #expect(JSONValue.string("gg:gg").pythonString == "gg:gg")
    }

    @Test func urlQuoteMatchesPythonQuote() {
        #expect(urlQuote("evpn-bagpipe test/é?") == "evpn-bagpipe%20test/%C3%A9%3F")
        #expect(urlQuote("a_b.c~d") == "a_b.c~d")
    }
}
