/// Delay before an automatic restart: exponential from `initial` seconds, doubling per failed
/// attempt up to `maximum`, with jitter so that peers that failed together do not retry together.
/// The delay is uniform in [d/2, d] for the un-jittered d. The defaults retry first within 5 s
/// and wait at most 60 s.
public struct ReconnectBackoff: Hashable, Sendable {
    public var initial: Double
    public var maximum: Double

    public init(initial: Double = 5, maximum: Double = 60) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The delay after `failures` consecutive failures (0 = first retry); `jitter` is in [0, 1).
    public func delay(afterFailures failures: Int, jitter: Double) -> Double {
        let exponential = initial * Double(1 << min(max(failures, 0), 20))
        let capped = min(exponential, maximum)
        return capped / 2 + capped / 2 * jitter
    }
}

/// A small deterministic generator (SplitMix64) so the FSM stays a value type whose output can be
/// reproduced in tests from a seed.
struct SplitMix64: RandomNumberGenerator, Hashable, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in [0, 1).
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
