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

    /// A key whose hash has only a few values, so long probe chains and equal stored hashes for
    /// different keys are the rule.
    struct CollidingKey: Hashable, Sendable {
        let value: Int
        func hash(into hasher: inout Hasher) { hasher.combine(value % 7) }
    }

    @Test func matchesASetUnderRandomInsertsAndRemovesWithCollidingHashes() {
        var table = EntryTable<CollidingKey>()
        var model = Set<Int>()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let value = Int.random(in: 0..<400, using: &generator)
            if Bool.random(using: &generator) {
                _ = table.findOrInsert(CollidingKey(value: value))
                model.insert(value)
            } else {
                table.remove(CollidingKey(value: value))
                model.remove(value)
            }
        }
        #expect(table.count == model.count)
        #expect(Set(table.entries.map(\.key.value)) == model)
        for value in 0..<400 {
            #expect((table.find(CollidingKey(value: value))?.key.value) == (model.contains(value) ? value : nil))
        }
    }
}
