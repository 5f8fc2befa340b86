import Testing
@testable import NetAddress

@Suite struct MACAddressTests {
    @Test func parsesAndPrintsColonForm() throws {
        let mac = try #require(MACAddress("52:54:00:AA:bb:0c"))
        #expect(mac.description == "52:54:00:aa:bb:0c")
        #expect(mac.bytes == [0x52, 0x54, 0x00, 0xaa, 0xbb, 0x0c])
        #expect(MACAddress(bytes: mac.bytes) == mac)
    }

    @Test func acceptsDashesRejectsGarbage() {
        #expect(MACAddress("52-54-00-aa-bb-cc") == MACAddress("52:54:00:aa:bb:cc"))
        #expect(MACAddress("2:4:0:a:b:c")?.description == "02:04:00:0a:0b:0c")
        for bad in ["", "gg:gg", "52:54:00:aa:bb", "52:54:00:aa:bb:cc:dd", "525:4:00:aa:bb:cc", "52::00:aa:bb:cc",
                    "52:54-00:aa:bb:cc", "52:54:00:aa:bb:", ":54:00:aa:bb:cc", "52:54:00:aa:bb:cg"] {
            #expect(MACAddress(bad) == nil, "\(bad) must be rejected")
        }
    }

    @Test func multicastBit() {
        #expect(MACAddress("01:00:5e:00:00:01")!.isMulticast)
        #expect(!MACAddress("52:54:00:aa:bb:cc")!.isMulticast)
    }
}

@Suite struct IPAddressTests {
    @Test func ipv4RoundTrip() throws {
        let address = try #require(IPv4Address("198.51.100.11"))
        #expect(address.rawValue == 0xC633_640B)
        #expect(address.description == "198.51.100.11")
        #expect(IPv4Address(bytes: address.bytes) == address)
    }

    @Test func ipv4RejectsMalformed() {
        #expect(IPv4Address("0.0.0.0") == .any)
        #expect(IPv4Address("255.255.255.255")?.rawValue == .max)
        #expect(IPv4Address("10.0.0.100")?.description == "10.0.0.100")
        for bad in ["257.1.1.1", "256.0.0.0", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.00", "a.b.c.d", "1..2.3", "1.2.3.",
                    "1234.1.1.1", " 1.2.3.4", ""] {
            #expect(IPv4Address(bad) == nil, "\(bad) must be rejected")
        }
    }

    @Test(arguments: [
        ("2001:db8::1", "2001:db8::1"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("::", "::"),
        ("::1", "::1"),
        ("fe80::", "fe80::"),
        ("2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"),
        ("::ffff:198.51.100.1", "::ffff:c633:6401"),
        ("1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0"),
    ])
    func ipv6CanonicalText(input: String, canonical: String) throws {
        let address = try #require(IPv6Address(input))
        #expect(address.description == canonical)
        #expect(IPv6Address(bytes: address.bytes) == address)
    }

    @Test func ipv6RejectsMalformed() {
        for bad in ["1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", ":::", "g::1", "1:2:3:4:5:6:7"] {
            #expect(IPv6Address(bad) == nil, "\(bad) must be rejected")
        }
    }

    @Test func prefixes() throws {
        let host = try #require(IPPrefix("203.0.113.10"))
        #expect(host.length == 32)
        #expect(IPPrefix("203.0.113.10/24")?.description == "203.0.113.10/24")
        #expect(IPPrefix("203.0.113.10/33") == nil)
        #expect(IPPrefix("2001:db8::1/64")?.length == 64)
        #expect(IPPrefix("1.2.3.4/x") == nil)
    }
}
