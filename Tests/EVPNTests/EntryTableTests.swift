@testable import EVPN
import Testing

@Suite struct EntryTableTests {
    @Test func insertsFindsAndRemovesThroughGrowthAndCollisions() {
        var table = EntryTable<Int>()
        for key in 0..<5000 { _ = table.findOrInsert(key) }
        #expect(table.count == 5000)
        // Remove every third key: probe chains must stay intact for the others.
        for key in stride(from: 0, to: 5000, by: 3) { table.remove(key) }
        for key in 0..<5000 {
            #expect((table.find(key) != nil) == (key % 3 != 0))
        }
        #expect(table.count == 5000 - 1667)
        #expect(Set(table.entries.map(\.key)).count == table.count)
        table.remove(123_456)
        #expect(table.count == 3333)
    }

    @Test func findOrInsertReturnsTheSameEntry() {
        var table = EntryTable<String>()
        let first = table.findOrInsert("a")
        #expect(table.findOrInsert("a") === first)
        #expect(table.count == 1)
    }
}
