import BGPWire
import OrderedJSON

/// Follows the BGP connections of a capture: reassembles each direction, frames messages, and learns
/// from the two OPENs what the decoder must know (4-octet AS, add-path, extended message).
struct ConnectionTracker {
    struct Direction: Hashable {
        var source: Endpoint
        var destination: Endpoint
        var reversed: Direction { Direction(source: destination, destination: source) }
    }

    private struct DirectionState {
        var stream = TCPStream()
        var framer = MessageFramer()
        var open: OpenMessage?
        var failed = false
    }

    /// The context used until both OPENs are seen (and for hex input).
    var baseContext: CodecContext
    private var directions: [Direction: DirectionState] = [:]

    init(baseContext: CodecContext) {
        self.baseContext = baseContext
    }

    /// Feeds a segment; returns the JSON of every message it completes.
    mutating func receive(_ segment: TCPSegment, frame: Int) -> (lines: [String], errors: Int) {
        let direction = Direction(source: segment.source, destination: segment.destination)
        var state = directions[direction] ?? DirectionState()
        defer { directions[direction] = state }
        let bytes = state.stream.receive(segment)
        guard !state.failed, !bytes.isEmpty else { return ([], 0) }
        state.framer.append(bytes)
        let where_: [(String, JSON)] = [("frame", .number(frame)), ("source", .text(segment.source)), ("destination", .text(segment.destination))]
        var lines: [String] = []
        var errors = 0
        while true {
            let message: [UInt8]?
            do {
                message = try state.framer.nextMessage()
            } catch {
                state.failed = true
                lines.append(JSON.fields(where_ + MessageJSON.error(error)).line)
                return (lines, errors + 1)
            }
            guard let message else { break }
            let context = context(for: direction, receiverOpen: directions[direction.reversed]?.open, senderOpen: state.open)
            do {
                let decoded = try BGPMessage.decode(message, context: context)
                if case .open(let open) = decoded { state.open = open }
                lines.append(JSON.fields(where_ + MessageJSON.message(decoded)).line)
            } catch {
                errors += 1
                lines.append(JSON.fields(where_ + MessageJSON.error(error) + [("bytes", .string(hexString(message)))]).line)
            }
            if let sender = state.open, let receiver = directions[direction.reversed]?.open,
               sender.capabilities.contains(.extendedMessage), receiver.capabilities.contains(.extendedMessage) {
                state.framer.maximumMessageLength = 65535
            }
        }
        return (lines, errors)
    }

    /// What both OPENs agreed on, from the receiver's side (`CodecContext(local:remote:)`).
    private func context(for direction: Direction, receiverOpen: OpenMessage?, senderOpen: OpenMessage?) -> CodecContext {
        guard let sender = senderOpen, let receiver = receiverOpen else { return baseContext }
        return CodecContext(local: receiver, remote: sender, legacyShiftedVNI: baseContext.legacyShiftedVNI)
    }
}
