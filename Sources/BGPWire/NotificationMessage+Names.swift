/// Cease subcodes (RFC 4486 §4, RFC 8538 §5, RFC 9384 §3).
public enum CeaseSubcode: UInt8, Hashable, Sendable, CaseIterable {
    case maximumNumberOfPrefixesReached = 1
    case administrativeShutdown = 2
    case peerDeconfigured = 3
    case administrativeReset = 4
    case connectionRejected = 5
    case otherConfigurationChange = 6
    case connectionCollisionResolution = 7
    case outOfResources = 8
    case hardReset = 9
    case bfdDown = 10
}

extension NotificationMessage: CustomStringConvertible {
    /// Error code names (RFC 4271 §4.5, RFC 6608, RFC 7313, RFC 9687).
    public var codeName: String {
        switch code {
        case 1: "Message Header Error"
        case 2: "OPEN Message Error"
        case 3: "UPDATE Message Error"
        case 4: "Hold Timer Expired"
        case 5: "Finite State Machine Error"
        case 6: "Cease"
        case 7: "ROUTE-REFRESH Message Error"
        case 8: "Send Hold Timer Expired"
        default: "Unknown error code \(code)"
        }
    }

    /// Subcode names (RFC 4271 §4.5, RFC 5492, RFC 9234, RFC 6608, RFC 4486, RFC 8538, RFC 9384, RFC 7313).
    public var subcodeName: String {
        if subcode == 0 { return "Unspecific" }
        let name: String? = switch (code, subcode) {
        case (1, 1): "Connection Not Synchronized"
        case (1, 2): "Bad Message Length"
        case (1, 3): "Bad Message Type"
        case (2, 1): "Unsupported Version Number"
        case (2, 2): "Bad Peer AS"
        case (2, 3): "Bad BGP Identifier"
        case (2, 4): "Unsupported Optional Parameter"
        case (2, 5): "Authentication Failure (deprecated)"
        case (2, 6): "Unacceptable Hold Time"
        case (2, 7): "Unsupported Capability"
        case (2, 8), (2, 9), (2, 10): "Deprecated"
        case (2, 11): "Role Mismatch"
        case (3, 1): "Malformed Attribute List"
        case (3, 2): "Unrecognized Well-known Attribute"
        case (3, 3): "Missing Well-known Attribute"
        case (3, 4): "Attribute Flags Error"
        case (3, 5): "Attribute Length Error"
        case (3, 6): "Invalid ORIGIN Attribute"
        case (3, 7): "AS Routing Loop (deprecated)"
        case (3, 8): "Invalid NEXT_HOP Attribute"
        case (3, 9): "Optional Attribute Error"
        case (3, 10): "Invalid Network Field"
        case (3, 11): "Malformed AS_PATH"
        case (5, 1): "Receive Unexpected Message in OpenSent State"
        case (5, 2): "Receive Unexpected Message in OpenConfirm State"
        case (5, 3): "Receive Unexpected Message in Established State"
        case (6, let value):
            switch CeaseSubcode(rawValue: value) {
            case .maximumNumberOfPrefixesReached: "Maximum Number of Prefixes Reached"
            case .administrativeShutdown: "Administrative Shutdown"
            case .peerDeconfigured: "Peer De-configured"
            case .administrativeReset: "Administrative Reset"
            case .connectionRejected: "Connection Rejected"
            case .otherConfigurationChange: "Other Configuration Change"
            case .connectionCollisionResolution: "Connection Collision Resolution"
            case .outOfResources: "Out of Resources"
            case .hardReset: "Hard Reset"
            case .bfdDown: "BFD Down"
            case nil: nil
            }
        case (7, 1): "Invalid Message Length"
        default: nil
        }
        return name ?? "Unknown subcode \(subcode)"
    }

    /// The shutdown communication of an Administrative Shutdown or Reset (RFC 8203 §2, RFC 9003 §2):
    /// a length octet and that many UTF-8 bytes. Nil when absent, empty or not valid UTF-8.
    public var shutdownCommunication: String? {
        guard code == 6, subcode == CeaseSubcode.administrativeShutdown.rawValue || subcode == CeaseSubcode.administrativeReset.rawValue,
              let length = data.first, length > 0, data.count >= 1 + Int(length) else { return nil }
        var decoder = UTF8()
        var iterator = data[1...Int(length)].makeIterator()
        var text = String.UnicodeScalarView()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): text.append(scalar)
            case .emptyInput: return String(text)
            case .error: return nil
            }
        }
    }

    /// A Cease NOTIFICATION. `communication` is sent for Administrative Shutdown and Reset only
    /// (RFC 9003 §2), cut to 255 bytes on a character boundary.
    public static func cease(_ subcode: CeaseSubcode, communication: String? = nil) -> NotificationMessage {
        guard let communication, !communication.isEmpty,
              subcode == .administrativeShutdown || subcode == .administrativeReset else {
            return NotificationMessage(code: 6, subcode: subcode.rawValue)
        }
        var bytes: [UInt8] = []
        for character in communication {
            let encoded = Array(String(character).utf8)
            guard bytes.count + encoded.count <= 255 else { break }
            bytes += encoded
        }
        return NotificationMessage(code: 6, subcode: subcode.rawValue, data: [UInt8(bytes.count)] + bytes)
    }

    /// `Cease / Administrative Shutdown (6/2) "maintenance"`, or with the data in hex when it is not text.
    public var description: String {
        var text = "\(codeName) / \(subcodeName) (\(code)/\(subcode))"
        if let communication = shutdownCommunication {
            text += " \"\(communication)\""
        } else if !data.isEmpty {
            text += " data " + hexString(data)
        }
        return text
    }
}

/// Lower-case hex without separators.
func hexString(_ bytes: some Sequence<UInt8>) -> String {
    let digits: [Character] = Array("0123456789abcdef")
    var text = ""
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0xF)])
    }
    return text
}
