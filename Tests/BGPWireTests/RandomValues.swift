import NetAddress
@testable import BGPWire

/// A small deterministic generator (SplitMix64) so a failing property test can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random values that are valid on the wire, i.e. that the codec must reproduce exactly.
struct RandomValues {
    var generator: SeededGenerator
    /// The session the values are generated for (2-byte AS sessions constrain AS numbers).
    var context: CodecContext

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &generator) }
    mutating func bool() -> Bool { Bool.random(using: &generator) }
    mutating func uint32() -> UInt32 { UInt32.random(in: 0...UInt32.max, using: &generator) }
    mutating func uint64() -> UInt64 { generator.next() }
    mutating func label() -> UInt32 { UInt32.random(in: 0...(context.legacyShiftedVNI ? 0xF_FFFF : 0xFF_FFFF), using: &generator) }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) } }
    mutating func maybe<T>(_ make: (inout RandomValues) -> T) -> T? { bool() ? make(&self) : nil }
    mutating func list<T>(_ range: ClosedRange<Int>, _ make: (inout RandomValues) -> T) -> [T] {
        (0..<int(range)).map { _ in make(&self) }
    }

    mutating func ipv4() -> IPv4Address { IPv4Address(rawValue: uint32()) }
    mutating func ipv6() -> IPv6Address { IPv6Address(high: uint64(), low: uint64()) }
    mutating func ip() -> IPAddress { bool() ? .v4(ipv4()) : .v6(ipv6()) }
    mutating func mac() -> MACAddress { MACAddress(rawValue: uint64()) }
    mutating func esi() -> EthernetSegmentIdentifier { EthernetSegmentIdentifier(high: UInt16(truncatingIfNeeded: uint64()), low: uint64()) }

    mutating func routeDistinguisher() -> RouteDistinguisher {
        switch int(0...3) {
        case 0: .twoOctetAS(UInt16(truncatingIfNeeded: uint32()), uint32())
        case 1: .ipv4(ipv4(), UInt16(truncatingIfNeeded: uint32()))
        case 2: .fourOctetAS(uint32(), UInt16(truncatingIfNeeded: uint32()))
        default: RouteDistinguisher(rawValue: uint64())
        }
    }

    /// A prefix whose address has no bytes past its length (they are not on the wire).
    mutating func prefix(v6: Bool) -> IPPrefix {
        let length = int(0...(v6 ? 128 : 32))
        let keptBits = (length + 7) / 8 * 8
        if v6 {
            let high = keptBits >= 64 ? uint64() : keptBits == 0 ? 0 : uint64() & ~(UInt64.max >> keptBits)
            let low = keptBits >= 128 ? uint64() : keptBits <= 64 ? 0 : uint64() & ~(UInt64.max >> (keptBits - 64))
            return IPPrefix(address: .v6(IPv6Address(high: high, low: low)), length: length)!
        }
        let value = keptBits == 0 ? 0 : uint32() & ~(UInt32.max >> keptBits)
        return IPPrefix(address: .v4(IPv4Address(rawValue: keptBits == 32 ? uint32() : value)), length: length)!
    }

    mutating func evpnRoute() -> EVPNRoute {
        switch int(1...6) {
        case 1:
            return .ethernetAutoDiscovery(EthernetAutoDiscoveryRoute(routeDistinguisher: routeDistinguisher(), esi: esi(),
                                                                     ethernetTag: uint32(), label: label()))
        case 2:
            let hasLabel2 = bool()
            return .macIPAdvertisement(MACIPAdvertisementRoute(routeDistinguisher: routeDistinguisher(), esi: esi(), ethernetTag: uint32(),
                                                               mac: mac(), ip: maybe { $0.ip() }, label1: label(),
                                                               label2: hasLabel2 ? label() : nil))
        case 3:
            return .inclusiveMulticast(InclusiveMulticastRoute(routeDistinguisher: routeDistinguisher(), ethernetTag: uint32(), originator: ip()))
        case 4:
            return .ethernetSegment(EthernetSegmentRoute(routeDistinguisher: routeDistinguisher(), esi: esi(), originator: ip()))
        case 5:
            let v6 = bool()
            let length = int(0...(v6 ? 128 : 32))
            let address: IPAddress = v6 ? .v6(ipv6()) : .v4(ipv4())
            return .ipPrefix(IPPrefixRoute(routeDistinguisher: routeDistinguisher(), esi: esi(), ethernetTag: uint32(),
                                           prefix: IPPrefix(address: address, length: length)!,
                                           gateway: v6 ? .v6(ipv6()) : .v4(ipv4()), label: label()))
        default:
            return .unknown(type: UInt8(int(6...255)), value: bytes(int(0...40)))
        }
    }

    mutating func membership() -> RouteTargetMembership {
        let length = int(0...96)
        guard length > 0 else { return .default }
        let byteCount = (length + 7) / 8
        var origin = uint32(), target = uint64()
        if byteCount < 4 { origin &= ~(UInt32.max >> (byteCount * 8)) }
        if byteCount <= 4 { target = 0 } else if byteCount < 12 { target &= ~(UInt64.max >> ((byteCount - 4) * 8)) }
        return RouteTargetMembership(prefixLength: UInt8(length), originAS: origin, routeTarget: RouteTarget(rawValue: target))
    }

    mutating func nlri(_ family: AddressFamily) -> NLRI {
        switch family {
        case .l2vpnEVPN: .evpn(evpnRoute())
        case .routeTargetConstraint: .routeTargetMembership(membership())
        case .ipv6Unicast: .ipv6Unicast(prefix(v6: true))
        default: .ipv4Unicast(prefix(v6: false))
        }
    }

    mutating func family() -> AddressFamily {
        [AddressFamily.l2vpnEVPN, .routeTargetConstraint, .ipv4Unicast, .ipv6Unicast][int(0...3)]
    }

    mutating func extendedCommunity() -> ExtendedCommunity {
        switch int(0...8) {
        case 0: .routeTarget([RouteTarget.twoOctetAS(UInt16(truncatingIfNeeded: uint32()), uint32()),
                              .ipv4(ipv4(), UInt16(truncatingIfNeeded: uint32())),
                              .fourOctetAS(uint32(), UInt16(truncatingIfNeeded: uint32()))][int(0...2)])
        case 1: .encapsulation(TunnelType(rawValue: UInt16(truncatingIfNeeded: uint32())))
        case 2: .macMobility(sequence: uint32(), sticky: bool())
        case 3: .esiLabel(singleActive: bool(), label: uint32() & 0xFF_FFFF)
        case 4: .esImportRouteTarget(mac())
        case 5: .routerMAC(mac())
        case 6: .defaultGateway
        case 7: .consistentHashSortOrder(uint32())
        default: .raw(0x80 << 56 | uint64() >> 8)
        }
    }

    mutating func asn() -> UInt32 { bool() ? uint32() : UInt32(int(1...65535)) }

    /// Confederation segments first, as RFC 5065 §3 builds them.
    mutating func asPath() -> [ASPathSegment] {
        let segments = list(0...3) { random in
            let kind = ASPathSegment.Kind(rawValue: UInt8(random.int(1...4)))!
            // Confederation AS numbers stay 2-byte on 2-byte sessions (AS4_PATH cannot carry them).
            let twoByteOnly = (kind == .confedSet || kind == .confedSequence) && !random.context.fourOctetAS
            return ASPathSegment(kind: kind, asns: random.list(1...255) { twoByteOnly ? UInt32($0.int(1...65535)) : $0.asn() })
        }
        return segments.filter { $0.kind == .confedSequence || $0.kind == .confedSet } + segments.filter { $0.kind == .sequence || $0.kind == .set }
    }

    mutating func attributes(reach: MPReach?, unreach: MPUnreach?, hasIPv4NLRI: Bool) -> PathAttributes {
        var attributes = PathAttributes()
        let reachable = hasIPv4NLRI || !(reach?.nlri.isEmpty ?? true)
        attributes.origin = reachable || bool() ? Origin(rawValue: UInt8(int(0...2)))! : nil
        attributes.asPath = attributes.origin == nil ? [] : asPath()
        attributes.nextHop = hasIPv4NLRI || bool() ? ipv4() : nil
        attributes.multiExitDiscriminator = maybe { $0.uint32() }
        attributes.localPreference = maybe { $0.uint32() }
        attributes.atomicAggregate = bool()
        attributes.aggregator = maybe { Aggregator(asn: $0.asn(), address: $0.ipv4()) }
        if !context.fourOctetAS, let aggregator = attributes.aggregator, aggregator.asn <= UInt16.max {
            // RFC 6793 §4.2.3: a 2-byte aggregator other than AS_TRANS makes the receiver ignore AS4_PATH.
            attributes.aggregator = Aggregator(asn: aggregator.asn | 0x1_0000, address: aggregator.address)
        }
        attributes.communities = list(0...5) { $0.uint32() }
        attributes.originatorID = maybe { $0.ipv4() }
        attributes.clusterList = list(0...3) { $0.ipv4() }
        attributes.extendedCommunities = list(0...6) { $0.extendedCommunity() }
        attributes.pmsiTunnel = maybe {
            PMSITunnel(flags: UInt8($0.int(0...255)), tunnelType: UInt8($0.int(0...255)), label: $0.label(), tunnelIdentifier: $0.bytes($0.int(0...16)))
        }
        attributes.largeCommunities = list(0...4) { LargeCommunity($0.uint32(), $0.uint32(), $0.uint32()) }
        attributes.mpReach = reach
        attributes.mpUnreach = unreach
        var unknownTypes = Set<UInt8>()
        attributes.unrecognized = list(0...2) { random in
            var type: UInt8
            repeat { type = UInt8(random.int(33...255)) } while !unknownTypes.insert(type).inserted
            let value = random.bytes(random.int(0...300))
            // The encoder sets Extended Length for values over 255 bytes.
            let flags: UInt8 = [0x80, 0xC0, 0xE0, 0xD0][random.int(0...3)] | (value.count > 255 ? 0x10 : 0)
            return RawPathAttribute(flags: flags, typeCode: type, value: value)
        }
        return attributes
    }

    mutating func update() -> UpdateMessage {
        let addPathIPv4 = context.addPathSend.contains(.ipv4Unicast)
        let withdrawn = list(0...5) { $0.prefix(v6: false) }
        let nlri = list(0...5) { $0.prefix(v6: false) }
        let reach: MPReach? = maybe { random in
            let family = random.family()
            let nextHops: [IPAddress] = switch random.int(0...2) {
            case 0: [.v4(random.ipv4())]
            case 1: [.v6(random.ipv6())]
            default: [.v6(random.ipv6()), .v6(random.ipv6())]
            }
            var reach = MPReach(family: family, nextHops: nextHops, nlri: random.list(0...20) { $0.nlri(family) })
            if random.context.addPathSend.contains(family) { reach.pathIdentifiers = reach.nlri.map { _ in random.uint32() } }
            return reach
        }
        let unreach: MPUnreach? = maybe { random in
            var family = random.family()
            while family == reach?.family { family = random.family() }
            var unreach = MPUnreach(family: family, nlri: random.list(0...20) { $0.nlri(family) })
            if random.context.addPathSend.contains(family) { unreach.pathIdentifiers = unreach.nlri.map { _ in random.uint32() } }
            return unreach
        }
        var update = UpdateMessage(withdrawnRoutes: withdrawn, attributes: attributes(reach: reach, unreach: unreach, hasIPv4NLRI: !nlri.isEmpty),
                                   nlri: nlri)
        if addPathIPv4 {
            update.withdrawnPathIdentifiers = withdrawn.map { _ in uint32() }
            update.nlriPathIdentifiers = nlri.map { _ in uint32() }
        }
        return update
    }

    mutating func capability() -> Capability {
        switch int(0...9) {
        case 0: return .multiprotocol(AddressFamily(afi: UInt16(truncatingIfNeeded: uint32()), safi: UInt8(int(0...255))))
        case 1: return .routeRefresh
        case 2: return .extendedMessage
        case 3:
            return .gracefulRestart(GracefulRestartCapability(
                restartState: bool(), notificationSupport: bool(), restartTime: UInt16(int(0...0xFFF)),
                families: list(0...3) { .init(family: $0.family(), forwardingStatePreserved: $0.bool()) }))
        case 4: return .fourOctetAS(uint32())
        case 5: return .addPath(list(1...3) { AddPathEntry(family: $0.family(), mode: AddPathEntry.Mode(rawValue: UInt8($0.int(1...3)))) })
        case 6: return .enhancedRouteRefresh
        case 7:
            return .longLivedGracefulRestart(list(1...3) {
                LongLivedGracefulRestartEntry(family: $0.family(), forwardingStatePreserved: $0.bool(), staleTime: UInt32($0.int(0...0xFF_FFFF)))
            })
        case 8:
            let name = { (random: inout RandomValues) in String(random.list(0...20) { Character(Unicode.Scalar(UInt8($0.int(97...122)))) }) }
            return .fqdn(hostName: name(&self), domainName: name(&self))
        default:
            let known: Set<UInt8> = [1, 2, 6, 64, 65, 69, 70, 71, 73]
            var code: UInt8
            repeat { code = UInt8(int(0...255)) } while known.contains(code)
            return .unknown(code: code, value: bytes(int(0...30)))
        }
    }

    mutating func open() -> OpenMessage {
        var open = OpenMessage(myAS: UInt16(int(0...65535)), holdTime: UInt16(bool() ? 0 : int(3...65535)),
                               bgpIdentifier: IPv4Address(rawValue: UInt32.random(in: 1...UInt32.max, using: &generator)),
                               capabilities: list(0...12) { $0.capability() })
        open.otherParameters = list(0...2) { RawOptionalParameter(type: UInt8($0.int(3...255)), value: $0.bytes($0.int(0...20))) }
        open.capabilityGrouping = open.capabilities.count > 1 && bool() ? .singleParameter : .onePerParameter
        return open
    }

    mutating func message() -> BGPMessage {
        switch int(0...9) {
        case 0: return .open(open())
        case 1: return .notification(NotificationMessage(code: UInt8(int(1...8)), subcode: UInt8(int(0...12)), data: bytes(int(0...40))))
        case 2: return .keepalive
        case 3: return .routeRefresh(RouteRefreshMessage(family: family(), subtype: UInt8(int(0...2))))
        default: return .update(update())
        }
    }
}
