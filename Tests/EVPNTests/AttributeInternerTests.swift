import BGPWire
@testable import EVPN
import NetAddress
import Testing

@Suite struct AttributeInternerTests {
    @Test func equalAttributesShareOneSetAndUnusedSetsAreDropped() {
        var interner = AttributeInterner()
        var attributes = PathAttributes()
        attributes.localPreference = 100
        var kept: AttributeSet? = interner.intern(attributes, nextHop: ip("198.51.100.1"))
        #expect(interner.intern(attributes, nextHop: ip("198.51.100.1")) === kept)
        #expect(interner.intern(attributes, nextHop: ip("198.51.100.2")) !== kept)
        for preference in 0..<200 as Range<UInt32> {
            attributes.localPreference = preference
            _ = interner.intern(attributes, nextHop: nil)
        }
        #expect(interner.liveCount() == 1)
        kept = nil
        #expect(interner.liveCount() == 0)
    }
}
