import Testing
import NetAddress
@testable import BGPWire

/// Random valid values encode and decode back to equal values, in every kind of session.
@Suite struct RoundTripPropertyTests {
    static let contexts: [CodecContext] = [
        CodecContext(extendedMessage: true),
        CodecContext(fourOctetAS: false, extendedMessage: true),
        CodecContext(extendedMessage: true, legacyShiftedVNI: true),
        CodecContext(addPathReceive: [.l2vpnEVPN, .ipv4Unicast, .ipv6Unicast, .routeTargetConstraint], extendedMessage: true,
                     addPathSend: [.l2vpnEVPN, .ipv4Unicast, .ipv6Unicast, .routeTargetConstraint]),
    ]

    @Test(arguments: 0..<contexts.count)
    func randomMessagesRoundTrip(contextIndex: Int) throws {
        let context = Self.contexts[contextIndex]
        let seed = UInt64(contextIndex) &* 0x1234_5678_9ABC_DEF1 &+ 42
        var random = RandomValues(generator: SeededGenerator(state: seed), context: context)
        for iteration in 0..<500 {
            let original = random.message()
            let bytes = original.encoded(context: context)
            let decoded = try BGPMessage.decode(bytes, context: context)
            #expect(decoded == original, "seed \(seed), iteration \(iteration): \(Self.difference(decoded, original))")
            if case .update(let update) = decoded {
                #expect(update.malformedReason == nil, "seed \(seed), iteration \(iteration): \(update.malformedReason ?? "")")
            }
            #expect(decoded.encoded(context: context) == bytes, "seed \(seed), iteration \(iteration)")
            if decoded != original { return }
        }
    }

    /// The first differing field, to make a failure readable.
    static func difference(_ decoded: BGPMessage, _ original: BGPMessage) -> String {
        guard case .update(let a) = decoded, case .update(let b) = original else { return "" }
        let pairs: [(String, Any, Any)] = Mirror(reflecting: a.attributes).children.map { ($0.label ?? "?", $0.value, 0) }
        var differences: [String] = []
        for (label, valueA, _) in pairs {
            let valueB = Mirror(reflecting: b.attributes).children.first { $0.label == label }!.value
            if String(describing: valueA) != String(describing: valueB) {
                differences.append("\(label): decoded \(valueA) original \(valueB)")
            }
        }
        if a.withdrawnRoutes != b.withdrawnRoutes { differences.append("withdrawn \(a.withdrawnRoutes) vs \(b.withdrawnRoutes)") }
        if a.nlri != b.nlri { differences.append("nlri \(a.nlri) vs \(b.nlri)") }
        if a.treatAsWithdraw != b.treatAsWithdraw { differences.append("treatAsWithdraw \(a.malformedReason ?? "")") }
        return differences.joined(separator: "; ")
    }

    @Test func packedUpdatesCarryEveryRouteWithinTheLimit() throws {
        var random = RandomValues(generator: SeededGenerator(state: 7), context: CodecContext())
        for family in [AddressFamily.l2vpnEVPN, .routeTargetConstraint, .ipv4Unicast, .ipv6Unicast] {
            let routes = (0..<1500).map { _ in random.nlri(family) }
            var attributes = random.attributes(reach: nil, unreach: nil, hasIPv4NLRI: true)
            attributes.unrecognized = []
            let nextHop: IPAddress = family == .ipv6Unicast ? .v6(random.ipv6()) : .v4(random.ipv4())
            let messages = UpdateMessage.packed(reach: routes, family: family, nextHop: nextHop, attributes: attributes, context: CodecContext())
            var received: [NLRI] = []
            for message in messages {
                #expect(message.count <= 4096)
                guard case .update(let update) = try BGPMessage.decode(message, context: CodecContext()) else { Issue.record("not an UPDATE"); return }
                #expect(update.malformedReason == nil)
                received += update.announcedNLRI
            }
            #expect(received == routes)
            // Full messages: the next route would not have fitted.
            #expect(messages.dropLast().allSatisfy { $0.count > 4096 - 60 })

            let withdrawals = UpdateMessage.packed(withdraw: routes, family: family, context: CodecContext())
            var withdrawn: [NLRI] = []
            for message in withdrawals {
                #expect(message.count <= 4096)
                guard case .update(let update) = try BGPMessage.decode(message, context: CodecContext()) else {
                    Issue.record("a packed withdrawal did not decode as an UPDATE")
                    return
                }
                withdrawn += update.withdrawnNLRI
            }
            #expect(withdrawn == routes)
        }
    }
}
