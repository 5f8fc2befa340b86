/// Device names of an instance, as BaGPipe names them: `evpn---<id>` (bridge) and `vxlan--<id>`
/// (vxlan), cut to the kernel's 15 characters (IFNAMSIZ − 1).
///
/// Two ids can give the same name after the cut (`evpn---tenant-a-1` and `evpn---tenant-a-2`), or an
/// id can hold characters the kernel refuses in a name (`/`, `:`, white space; these become `_`).
/// The first instance to claim a name keeps it; a later instance whose name is taken gets a
/// deterministic hashed form, `<first 9 characters>-<5 hex digits of FNV-1a(id)>`. The driver
/// records the mapping in memory and, through each device's alias, in the kernel, so a restart
/// finds the same names again.
public struct DeviceNaming: Hashable, Sendable {
    public static let maximumLength = 15

    public var bridgePrefix: String
    public var vxlanPrefix: String

    public init(bridgePrefix: String = "evpn---", vxlanPrefix: String = "vxlan--") {
        self.bridgePrefix = bridgePrefix
        self.vxlanPrefix = vxlanPrefix
    }

    /// The plain name: prefix + id, unusable characters replaced, cut to 15 characters.
    public static func plainName(prefix: String, id: String) -> String {
        String(String((prefix + id).map { $0.isWhitespace || $0 == "/" || $0 == ":" || !$0.isASCII ? "_" : $0 })
            .prefix(maximumLength))
    }

    /// The name used when the plain one is taken: stable for a given id (and attempt).
    public static func hashedName(prefix: String, id: String, attempt: Int = 0) -> String {
        let head = plainName(prefix: prefix, id: id).prefix(9)
        var hash: UInt32 = 2_166_136_261
        for byte in (attempt == 0 ? id : "\(id)#\(attempt)").utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let hex = String(hash & 0xF_FFFF, radix: 16)
        return head + "-" + String(repeating: "0", count: 5 - hex.count) + hex
    }

    /// The first candidate that `isTaken` does not reject: the plain name, then hashed forms.
    public static func name(prefix: String, id: String, isTaken: (String) -> Bool) -> String {
        let plain = plainName(prefix: prefix, id: id)
        if !isTaken(plain) { return plain }
        var attempt = 0
        while true {
            let candidate = hashedName(prefix: prefix, id: id, attempt: attempt)
            if !isTaken(candidate) { return candidate }
            attempt += 1
        }
    }
}
