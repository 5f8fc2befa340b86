import Foundation
import Testing

/// One message of a fixture file made by Fixtures/extract-messages.py.
struct CapturedMessage: CustomTestStringConvertible, Sendable {
    var source: String
    var destination: String
    var type: UInt8
    var bytes: [UInt8]
    var file: String
    var index: Int

    var testDescription: String { "\(file)#\(index) \(source)→\(destination) type \(type)" }
}

enum Fixtures {
    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil)!
    }

    static func text(_ name: String) -> String {
        try! String(contentsOf: url(name), encoding: .utf8)
    }

    /// Every message of a `.messages` fixture.
    static func messages(_ name: String) -> [CapturedMessage] {
        text(name).split(separator: "\n").enumerated().map { index, line in
            let fields = line.split(separator: " ")
            return CapturedMessage(source: String(fields[0]), destination: String(fields[1]), type: UInt8(fields[2])!,
                                   bytes: bytes(String(fields[3])), file: name, index: index)
        }
    }

    /// The shared captures (../shared/vectors) and the gobgpd-made one (make-gobgp-vectors.sh).
    static let captureNames = ["bagpipe-gobgp-rr-evpn", "mixed-bagpipe-frr-gobgp-rr", "gobgp-evpn-types"]
    static let allCaptured: [CapturedMessage] = captureNames.flatMap { messages($0 + ".messages") }
}
