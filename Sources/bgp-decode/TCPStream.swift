/// Puts one direction of a TCP connection back in order: retransmitted bytes are dropped, segments
/// that arrive early wait for the gap to fill (RFC 9293 §3.10.7.4, simplified for reading captures).
struct TCPStream {
    private var nextSequence: UInt32?
    private var waiting: [UInt32: ArraySlice<UInt8>] = [:]

    /// Takes a segment; returns the bytes that are now in order.
    mutating func receive(_ segment: TCPSegment) -> [UInt8] {
        if segment.syn {
            nextSequence = segment.sequence &+ 1
            return []
        }
        guard !segment.payload.isEmpty else { return [] }
        if nextSequence == nil { nextSequence = segment.sequence }
        var delivered: [UInt8] = []
        accept(segment.sequence, segment.payload, into: &delivered)
        while let next = nextSequence, let early = waiting.removeValue(forKey: next) {
            accept(next, early, into: &delivered)
        }
        return delivered
    }

    private mutating func accept(_ sequence: UInt32, _ payload: ArraySlice<UInt8>, into delivered: inout [UInt8]) {
        guard let next = nextSequence else { return }
        let distance = Int32(bitPattern: sequence &- next)
        if distance > 0 {
            if (waiting[sequence]?.count ?? 0) < payload.count { waiting[sequence] = payload }
            return
        }
        let overlap = Int(-distance)
        guard overlap < payload.count else { return }  // a pure retransmission
        delivered += payload.dropFirst(overlap)
        nextSequence = next &+ UInt32(payload.count - overlap)
    }
}
