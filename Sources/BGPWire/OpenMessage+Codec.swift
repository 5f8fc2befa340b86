import NetAddress

/// How capabilities were packed into optional parameters (RFC 5492 §4 allows either):
/// GoBGP sends all of them in one parameter, FRR and exabgp one parameter each.
public enum CapabilityGrouping: Hashable, Sendable {
    case onePerParameter
    case singleParameter
}

extension OpenMessage {
    /// The optional parameter type carrying capabilities (RFC 5492 §4).
    static let capabilitiesParameterType: UInt8 = 2

    /// Decodes an OPEN body (RFC 4271 §4.2, RFC 9072 §2), checking the rules of RFC 4271 §6.2
    /// that need no configuration: version 4, hold time 0 or ≥ 3, non-zero BGP identifier.
    static func decode(body: inout ByteReader, messageLength: Int) throws(MessageDecodingError) -> OpenMessage {
        guard body.remaining >= 10 else { throw .badMessageLength(messageLength, "OPEN shorter than 29 bytes") }
        do {
            let version = try body.readUInt8()
            guard version == 4 else { throw MessageDecodingError.open(1, data: [0, 4], "version \(version), only 4 is supported") }
            let myAS = try body.readUInt16()
            let holdTime = try body.readUInt16()
            guard holdTime == 0 || holdTime >= 3 else { throw MessageDecodingError.open(6, "hold time \(holdTime)") }
            let identifier = IPv4Address(rawValue: try body.readUInt32())
            guard identifier != .any else { throw MessageDecodingError.open(3, "BGP identifier 0.0.0.0") }
            var open = OpenMessage(myAS: myAS, holdTime: holdTime, bgpIdentifier: identifier, capabilities: [])
            open.version = version
            try open.decodeParameters(&body)
            return open
        } catch let error as MessageDecodingError {
            throw error
        } catch {
            throw .open(0, "optional parameters overrun the message")
        }
    }

    private mutating func decodeParameters(_ body: inout ByteReader) throws(MessageDecodingError) {
        do {
            var length = Int(try body.readUInt8())
            var extended = false
            if length == 255, body.remaining >= 3, body.buffer[body.offset] == 255 {
                // RFC 9072 §2: Non-Ext OP Type 255, then a 2-byte Extended Opt. Parm. Length.
                _ = try body.readUInt8()
                length = Int(try body.readUInt16())
                extended = true
            }
            guard length == body.remaining else {
                throw MessageDecodingError.open(0, "optional parameters length \(length), \(body.remaining) bytes follow")
            }
            var parameterCount = 0, capabilityParameters = 0
            while !body.isAtEnd {
                let type = try body.readUInt8()
                let valueLength = extended ? Int(try body.readUInt16()) : Int(try body.readUInt8())
                var value = try body.readSubReader(valueLength)
                parameterCount += 1
                guard type == Self.capabilitiesParameterType else {
                    otherParameters.append(RawOptionalParameter(type: type, value: value.readRemainingBytes()))
                    continue
                }
                capabilityParameters += 1
                while !value.isAtEnd {
                    let code = try value.readUInt8()
                    let capabilityValue = try value.readSubReader(Int(try value.readUInt8()))
                    capabilities.append(Capability.decode(
                        code: code,
                        value: UnsafeRawBufferPointer(rebasing: value.buffer[capabilityValue.offset..<capabilityValue.end])))
                }
            }
            capabilityGrouping = capabilityParameters == 1 && capabilities.count > 1 ? .singleParameter : .onePerParameter
            usesExtendedParameters = extended
        } catch let error as MessageDecodingError {
            throw error
        } catch {
            throw .open(0, "optional parameter or capability overruns its container")
        }
    }

    /// Encodes the OPEN body. Parameters longer than 255 bytes in total use the RFC 9072 format.
    func encodeBody(into bytes: inout [UInt8]) {
        bytes.append(version)
        bytes.appendUInt16(myAS)
        bytes.appendUInt16(holdTime)
        bytes.appendUInt32(bgpIdentifier.rawValue)
        var parameters: [(type: UInt8, value: [UInt8])] = []
        switch capabilityGrouping {
        case .singleParameter where !capabilities.isEmpty:
            var value: [UInt8] = []
            for capability in capabilities { Self.append(capability, to: &value) }
            parameters.append((Self.capabilitiesParameterType, value))
        default:
            for capability in capabilities {
                var value: [UInt8] = []
                Self.append(capability, to: &value)
                parameters.append((Self.capabilitiesParameterType, value))
            }
        }
        parameters += otherParameters.map { ($0.type, $0.value) }
        let shortLength = parameters.reduce(0) { $0 + 2 + $1.value.count }
        let extended = usesExtendedParameters || shortLength > 255 || parameters.contains { $0.value.count > 255 }
        if extended {
            bytes.append(255)
            bytes.append(255)
            bytes.appendUInt16(UInt16(clamping: parameters.reduce(0) { $0 + 3 + $1.value.count }))
        } else {
            bytes.append(UInt8(shortLength))
        }
        for parameter in parameters {
            bytes.append(parameter.type)
            if extended { bytes.appendUInt16(UInt16(clamping: parameter.value.count)) } else { bytes.append(UInt8(parameter.value.count)) }
            bytes += parameter.value
        }
    }

    private static func append(_ capability: Capability, to bytes: inout [UInt8]) {
        let value = capability.encodedValue()
        bytes.append(capability.code)
        bytes.append(UInt8(clamping: value.count))
        bytes += value.prefix(255)
    }
}
