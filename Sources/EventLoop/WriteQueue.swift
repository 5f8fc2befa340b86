/// Bytes accepted by `TCPConnection.write` but not yet taken by the kernel: whole chunks, no copying
/// on append, consumed from the front.
struct WriteQueue {
    private var chunks: [[UInt8]] = []
    private var head = 0
    /// Bytes of `chunks[head]` already sent.
    private var headOffset = 0
    private(set) var byteCount = 0

    var isEmpty: Bool { byteCount == 0 }

    mutating func append(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        chunks.append(bytes)
        byteCount += bytes.count
    }

    /// Calls `send` with the unsent part of the first chunk until it returns less than it was given
    /// (the kernel buffer is full) or a negative value (an error, returned as is). Returns the last
    /// result of `send`, or 0 when the queue was emptied.
    mutating func drain(_ send: (UnsafeRawBufferPointer) -> Int) -> Int {
        while head < chunks.count {
            let offset = headOffset
            let sent = chunks[head].withUnsafeBytes { send(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            guard sent >= 0 else { return sent }
            byteCount -= sent
            headOffset += sent
            if headOffset == chunks[head].count {
                head += 1
                headOffset = 0
            } else {
                compact()
                return sent
            }
        }
        removeAll()
        return 0
    }

    mutating func removeAll() {
        chunks.removeAll(keepingCapacity: chunks.count < 1024)
        head = 0
        headOffset = 0
        byteCount = 0
    }

    private mutating func compact() {
        if head > 64 && head * 2 > chunks.count {
            chunks.removeFirst(head)
            head = 0
        }
    }
}
