import BGPWire

/// Where a path comes from: this router's own origination, or one peer (an index into the
/// router's peer table, reused only after that peer's paths are all gone).
struct SourceID: Hashable, Sendable {
    let rawValue: UInt32
    static let local = SourceID(rawValue: 0)
    var isLocal: Bool { self == .local }
}

/// One source's version of a route: its Adj-RIB-In entry (RFC 4271 §3.2) for received routes,
/// or our own origination. Kept small (24 bytes) because a million of them may be held.
struct Path: Sendable {
    var source: SourceID
    /// Type 2: MPLS label 1 (the VNI with VXLAN, RFC 8365 §5.1.3). Otherwise 0.
    var label: UInt32
    var attributes: AttributeSet
    /// The whole NLRI when the key and label cannot rebuild it (ESI or label 2 set, types 1/4/5).
    var fullRoute: FullRoute?

    /// True when both would be advertised identically.
    func isSame(as other: Path) -> Bool {
        source == other.source && label == other.label && attributes === other.attributes
            && fullRoute?.route == other.fullRoute?.route
    }
}

/// A boxed NLRI, so that the rare paths needing one cost one pointer in `Path`.
final class FullRoute: Sendable {
    let route: EVPNRoute
    init(_ route: EVPNRoute) { self.route = route }
}

/// The paths of one route, best first. The best is kept inline: most routes have exactly one path.
struct PathList: Sendable {
    private(set) var best: Path?
    private(set) var others: [Path] = []

    var isEmpty: Bool { best == nil }
    var all: [Path] { best.map { [$0] + others } ?? [] }

    func path(from source: SourceID) -> Path? {
        if let best, best.source == source { return best }
        return others.first { $0.source == source }
    }

    /// Adds or replaces (implicit withdraw, RFC 4271 §3.1) the path of `path.source`; the best
    /// must then be chosen again with `select`.
    mutating func upsert(_ path: Path) {
        if best == nil {
            best = path
        } else if best!.source == path.source {
            best = path
        } else if let index = others.firstIndex(where: { $0.source == path.source }) {
            others[index] = path
        } else {
            others.append(path)
        }
    }

    /// Removes the path of `source`, if any; returns whether one was removed.
    @discardableResult
    mutating func remove(source: SourceID) -> Bool {
        if let current = best, current.source == source {
            best = others.isEmpty ? nil : others.removeLast()
            return true
        }
        guard let index = others.firstIndex(where: { $0.source == source }) else { return false }
        others.remove(at: index)
        return true
    }

    /// Moves the path `choose` picks (an index into `all`) to the front.
    mutating func select(_ choose: ([Path]) -> Int) {
        guard !others.isEmpty, let current = best else { return }
        let candidates = [current] + others
        let winner = choose(candidates)
        guard winner != 0 else { return }
        best = candidates[winner]
        others = candidates.enumerated().filter { $0.offset != winner }.map(\.element)
    }
}
