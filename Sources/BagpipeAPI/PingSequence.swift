/// The number `GET /ping` returns: random, chosen once per process, so a client that sees it change knows
/// the daemon restarted and re-sends its attachments (bagpipe.md §3, restart detection).
///
/// It is at least 10 digits and below 2^53 (exact in every JSON parser), so never 0 or −1.
public enum PingSequence {
    public static let current: Int64 = random()

    static func random() -> Int64 {
        var generator = SystemRandomNumberGenerator()
        return Int64.random(in: 1_000_000_000...(1 << 53 - 1), using: &generator)
    }
}
