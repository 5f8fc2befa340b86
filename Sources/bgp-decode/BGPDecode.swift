import ArgumentParser
import BGPWire
#if canImport(Glibc)
import Glibc
import OrderedJSON
#endif

/// `bgp-decode`: prints BGP messages as JSON, one object per line, from a capture file (TCP port 179
/// streams reassembled) or from hex (a file that is not a capture, or stdin).
@main
struct BGPDecode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bgp-decode",
        abstract: "Print BGP messages as JSON lines, from a pcap/pcapng capture or hex on stdin.",
        discussion: """
            Each line is one message with every field in its usual text form, or an error with its RFC 7606 \
            action. Captures: TCP streams to or from --port are reassembled; the decoding context (4-octet AS, \
            add-path, extended message) is learnt from each connection's OPENs. Exit status 1 when any message \
            could not be decoded.
            """)

    @Argument(help: "A pcap or pcapng file, or a file of hex text. Reads hex from stdin when absent or '-'.")
    var file: String?

    @Option(help: "The BGP TCP port in captures.")
    var port: UInt16 = 179

    @Flag(help: "Decode 2-byte AS_PATHs (before the OPENs are seen, and for hex input).")
    var twoOctetAS = false

    @Flag(help: "Read EVPN labels in 2016 BaGPipe's shifted form (VNI << 4 | 1).")
    var legacyVNI = false

    @Flag(help: "Accept messages up to 65535 bytes (RFC 8654) for hex input.")
    var extendedMessage = false

    @Option(name: .customLong("add-path"), help: "A family whose NLRI carry path identifiers in hex input (e.g. l2vpn-evpn).")
    var addPathFamilies: [String] = []

    mutating func run() throws {
        let families: [String: AddressFamily] = ["l2vpn-evpn": .l2vpnEVPN, "rtc": .routeTargetConstraint,
                                                 "ipv4-unicast": .ipv4Unicast, "ipv6-unicast": .ipv6Unicast]
        var addPath: Set<AddressFamily> = []
        for name in addPathFamilies {
            guard let family = families[name] else { throw ValidationError("unknown family \(name); use one of \(families.keys.sorted())") }
            addPath.insert(family)
        }
        let context = CodecContext(fourOctetAS: !twoOctetAS, addPathReceive: addPath, extendedMessage: extendedMessage, legacyShiftedVNI: legacyVNI)
        let input = try readInput()
        let errors = CaptureFile.isCapture(input) ? try decodeCapture(input, context: context) : try decodeHex(input, context: context)
        if errors > 0 { throw ExitCode(1) }
    }

    private func readInput() throws -> [UInt8] {
        guard let file, file != "-" else { return readAll(STDIN_FILENO) }
        let descriptor = open(file, O_RDONLY)
        guard descriptor >= 0 else { throw ValidationError("cannot open \(file)") }
        defer { close(descriptor) }
        return readAll(descriptor)
    }

    private func readAll(_ descriptor: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return bytes
    }

    private func decodeCapture(_ bytes: [UInt8], context: CodecContext) throws -> Int {
        var tracker = ConnectionTracker(baseContext: context)
        var errors = 0
        for frame in try CaptureFile.frames(in: bytes) {
            guard let segment = TCPSegment(frame: frame), segment.source.port == port || segment.destination.port == port else { continue }
            let (lines, failures) = tracker.receive(segment, frame: frame.number)
            lines.forEach { print($0) }
            errors += failures
        }
        return errors
    }

    /// Hex digits (whitespace, `:` and `,` separators and `0x` prefixes ignored) making up a stream of whole messages.
    private func decodeHex(_ text: [UInt8], context: CodecContext) throws -> Int {
        var bytes: [UInt8] = []
        var high: UInt8?
        let separators: Set<UInt8> = [UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"),
                                      UInt8(ascii: ":"), UInt8(ascii: ",")]
        for token in text.split(whereSeparator: separators.contains) {
            var digits = token[...]
            if digits.count >= 2, digits.first == UInt8(ascii: "0"), [UInt8(ascii: "x"), UInt8(ascii: "X")].contains(digits.dropFirst().first!) {
                digits = digits.dropFirst(2)
            }
            for character in digits {
                guard let value = hexValue(character) else { throw ValidationError("not hex: \(Character(Unicode.Scalar(character)))") }
                if let first = high {
                    bytes.append(first << 4 | value)
                    high = nil
                } else {
                    high = value
                }
            }
        }
        guard high == nil else { throw ValidationError("odd number of hex digits") }
        var framer = MessageFramer(maximumMessageLength: context.maximumMessageLength)
        framer.append(bytes)
        var errors = 0
        while true {
            let message: [UInt8]
            do {
                guard let next = try framer.nextMessage() else { break }
                message = next
            } catch {
                print(JSON.fields(MessageJSON.error(error)).line)
                return errors + 1
            }
            do {
                print(JSON.fields(MessageJSON.message(try BGPMessage.decode(message, context: context))).line)
            } catch {
                errors += 1
                print(JSON.fields(MessageJSON.error(error) + [("bytes", .string(hexString(message)))]).line)
            }
        }
        if framer.bufferedByteCount > 0 {
            print(JSON.fields([("error", .string("\(framer.bufferedByteCount) bytes left after the last whole message"))]).line)
            errors += 1
        }
        return errors
    }

    private func hexValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
