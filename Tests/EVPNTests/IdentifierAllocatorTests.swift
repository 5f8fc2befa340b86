@testable import EVPN
import Testing

@Suite struct IdentifierAllocatorTests {
    @Test func handsOutFreshValuesBeforeReusingReleasedOnesOldestFirst() {
        var allocator = IdentifierAllocator(range: 16...19)
        #expect(allocator.allocate() == 16)
        #expect(allocator.allocate() == 17)
        allocator.release(16)
        #expect(allocator.allocate() == 18)
        #expect(allocator.allocate() == 19)
        allocator.release(18)
        #expect(allocator.allocate() == 16)
        #expect(allocator.allocate() == 18)
        #expect(allocator.allocate() == nil)
    }

    @Test func neverHandsOutReservedValues() {
        var allocator = IdentifierAllocator(range: 16...18)
        let first = allocator.reserve(17), second = allocator.reserve(17)
        #expect(first)
        #expect(!second)
        #expect(allocator.allocate() == 16)
        #expect(allocator.allocate() == 18)
        #expect(allocator.allocate() == nil)
        allocator.release(17)
        #expect(allocator.allocate() == 17)
    }
}
