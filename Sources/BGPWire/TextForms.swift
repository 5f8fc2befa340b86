import NetAddress

extension EthernetSegmentIdentifier {
    /// Parses `0` (the zero ESI) or ten colon-separated hex bytes (`00:11:22:33:44:55:66:77:88:99`).
    public init?(_ text: some StringProtocol) {
        if text == "0" { self = .zero; return }
        let groups = text.split(separator: ":", omittingEmptySubsequences: false)
        guard groups.count == 10 else { return nil }
        var bytes: [UInt8] = []
        for group in groups {
            guard (1...2).contains(group.count), let byte = UInt8(group, radix: 16) else { return nil }
            bytes.append(byte)
        }
        self.init(bytes: bytes)
    }
}

extension ExtendedCommunity {
    /// Parses the forms `description` prints: `target:64512:80` (or a bare `64512:80`), `encap:VXLAN`
    /// (or a tunnel type number), `mac-mobility:5[:sticky]`, `esi-label:L[:single-active]`,
    /// `es-import:MAC`, `router-mac:MAC`, `default-gateway`, `consistentHashSortOrder:N`, `0x…` raw.
    public init?(_ text: some StringProtocol) {
        let text = String(text)
        func suffix(after prefix: String) -> Substring? { text.hasPrefix(prefix) ? text.dropFirst(prefix.count) : nil }
        if text == "default-gateway" {
            self = .defaultGateway
        } else if let body = suffix(after: "encap:") {
            let named: [String: TunnelType] = ["VXLAN": .vxlan, "NVGRE": .nvgre, "MPLS": .mpls, "GENEVE": .geneve]
            guard let tunnel = named[body.uppercased()] ?? UInt16(body).map(TunnelType.init(rawValue:)) else { return nil }
            self = .encapsulation(tunnel)
        } else if let body = suffix(after: "mac-mobility:") {
            let parts = body.split(separator: ":")
            guard (1...2).contains(parts.count), let sequence = UInt32(parts[0]),
                  parts.count == 1 || parts[1] == "sticky" else { return nil }
            self = .macMobility(sequence: sequence, sticky: parts.count == 2)
        } else if let body = suffix(after: "esi-label:") {
            let parts = body.split(separator: ":")
            guard (1...2).contains(parts.count), let label = UInt32(parts[0]), label <= 0xFF_FFFF,
                  parts.count == 1 || parts[1] == "single-active" else { return nil }
            self = .esiLabel(singleActive: parts.count == 2, label: label)
        } else if let body = suffix(after: "es-import:") {
            guard let mac = MACAddress(body) else { return nil }
            self = .esImportRouteTarget(mac)
        } else if let body = suffix(after: "router-mac:") {
            guard let mac = MACAddress(body) else { return nil }
            self = .routerMAC(mac)
        } else if let body = suffix(after: "consistentHashSortOrder:") {
            guard let order = UInt32(body) else { return nil }
            self = .consistentHashSortOrder(order)
        } else if let body = suffix(after: "0x") {
            guard let value = UInt64(body, radix: 16) else { return nil }
            self = ExtendedCommunity(wireValue: value)
        } else if let target = RouteTarget(text) {
            self = .routeTarget(target)
        } else {
            return nil
        }
    }
}

extension LargeCommunity {
    /// Parses `global:local1:local2`.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let global = UInt32(parts[0]), let first = UInt32(parts[1]), let second = UInt32(parts[2]) else { return nil }
        self.init(global, first, second)
    }
}
