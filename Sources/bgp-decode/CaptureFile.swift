/// One frame of a capture file.
struct CapturedFrame {
    var number: Int
    var linkType: UInt32
    var data: ArraySlice<UInt8>
}

struct CaptureFileError: Error, CustomStringConvertible {
    var description: String
}

/// Reads the frames of a libpcap (microsecond or nanosecond, either byte order) or pcapng file.
enum CaptureFile {
    static func isCapture(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 4 else { return false }
        let magic = Array(bytes[0..<4])
        return [[0xD4, 0xC3, 0xB2, 0xA1], [0xA1, 0xB2, 0xC3, 0xD4], [0x4D, 0x3C, 0xB2, 0xA1], [0xA1, 0xB2, 0x3C, 0x4D],
                [0x0A, 0x0D, 0x0D, 0x0A]].contains(magic)
    }

    static func frames(in bytes: [UInt8]) throws(CaptureFileError) -> [CapturedFrame] {
        guard isCapture(bytes) else { throw CaptureFileError(description: "not a pcap or pcapng file") }
        return bytes[0] == 0x0A ? try pcapngFrames(bytes) : try pcapFrames(bytes)
    }

    private static func integer(_ bytes: [UInt8], _ offset: Int, _ size: Int, littleEndian: Bool) -> UInt32 {
        var value: UInt32 = 0
        for index in 0..<size {
            let byte = UInt32(bytes[littleEndian ? offset + size - 1 - index : offset + index])
            value = value << 8 | byte
        }
        return value
    }

    private static func pcapFrames(_ bytes: [UInt8]) throws(CaptureFileError) -> [CapturedFrame] {
        guard bytes.count >= 24 else { throw CaptureFileError(description: "pcap header truncated") }
        let littleEndian = bytes[0] == 0xD4 || bytes[0] == 0x4D
        let linkType = integer(bytes, 20, 4, littleEndian: littleEndian)
        var frames: [CapturedFrame] = []
        var offset = 24
        while offset + 16 <= bytes.count {
            let length = Int(integer(bytes, offset + 8, 4, littleEndian: littleEndian))
            guard offset + 16 + length <= bytes.count else { throw CaptureFileError(description: "frame \(frames.count + 1) truncated") }
            frames.append(CapturedFrame(number: frames.count + 1, linkType: linkType, data: bytes[offset + 16..<offset + 16 + length]))
            offset += 16 + length
        }
        return frames
    }

    /// pcapng: section headers (byte order), interface descriptions (link types), enhanced and simple packet blocks.
    private static func pcapngFrames(_ bytes: [UInt8]) throws(CaptureFileError) -> [CapturedFrame] {
        var frames: [CapturedFrame] = []
        var littleEndian = true
        var linkTypes: [UInt32] = []
        var offset = 0
        while offset + 12 <= bytes.count {
            if Array(bytes[offset..<offset + 4]) == [0x0A, 0x0D, 0x0D, 0x0A] {
                littleEndian = bytes[offset + 8] == 0x4D
                linkTypes = []
            }
            let type = integer(bytes, offset, 4, littleEndian: littleEndian)
            let length = Int(integer(bytes, offset + 4, 4, littleEndian: littleEndian))
            guard length >= 12, offset + length <= bytes.count else { throw CaptureFileError(description: "pcapng block at \(offset) truncated") }
            switch type {
            case 1 where length >= 20:
                linkTypes.append(integer(bytes, offset + 8, 2, littleEndian: littleEndian))
            case 6 where length >= 32:
                let interface = Int(integer(bytes, offset + 8, 4, littleEndian: littleEndian))
                let captured = Int(integer(bytes, offset + 20, 4, littleEndian: littleEndian))
                guard interface < linkTypes.count, 28 + captured <= length else { throw CaptureFileError(description: "bad packet block at \(offset)") }
                frames.append(CapturedFrame(number: frames.count + 1, linkType: linkTypes[interface], data: bytes[offset + 28..<offset + 28 + captured]))
            case 3 where length >= 16:
                guard let linkType = linkTypes.first else { throw CaptureFileError(description: "packet before interface description") }
                let original = Int(integer(bytes, offset + 8, 4, littleEndian: littleEndian))
                frames.append(CapturedFrame(number: frames.count + 1, linkType: linkType,
                                            data: bytes[offset + 12..<offset + 12 + min(original, length - 16)]))
            case 3, 6:  // a packet block too short to hold a packet: keep the frame numbers in step with tshark
                frames.append(CapturedFrame(number: frames.count + 1, linkType: 0, data: []))
            default:
                break
            }
            offset += length
        }
        return frames
    }
}
