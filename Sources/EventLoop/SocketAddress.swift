#if canImport(Glibc)
import Glibc
#endif
import NetAddress

/// A `sockaddr_in` or `sockaddr_in6` in a `sockaddr_storage`, built from or read back into an
/// `IPAddress` and port. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`, seen on a dual-stack
/// listener) are read back as IPv4.
struct SocketAddress {
    var storage = sockaddr_storage()
    var length: socklen_t

    /// The address as seen by a socket of `socketFamily` (an IPv4 address on an IPv6 socket becomes
    /// IPv4-mapped, as the kernel expects for connect and TCP_MD5SIG).
    init(_ address: IPAddress, port: UInt16, socketFamily: Int32? = nil) {
        let family = socketFamily ?? (address.isIPv4 ? AF_INET : AF_INET6)
        if family == AF_INET, case .v4(let v4) = address {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            sin.sin_addr.s_addr = v4.rawValue.bigEndian
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutableBytes(of: &storage) { $0.copyBytes(from: Swift.withUnsafeBytes(of: sin) { Array($0) }) }
        } else {
            var bytes = address.bytes
            if bytes.count == 4 { bytes = Array(repeating: 0, count: 10) + [0xFF, 0xFF] + bytes }
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: bytes) }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeMutableBytes(of: &storage) { $0.copyBytes(from: Swift.withUnsafeBytes(of: sin6) { Array($0) }) }
        }
    }

    /// An empty address for `accept`/`getsockname` to fill in.
    init() { length = socklen_t(MemoryLayout<sockaddr_storage>.size) }

    var family: Int32 { Int32(storage.ss_family) }

    /// The IP address and port, or nil for a family other than IPv4/IPv6.
    var addressAndPort: (address: IPAddress, port: UInt16)? {
        withUnsafeBytes(of: storage) { raw in
            switch Int32(storage.ss_family) {
            case AF_INET:
                let sin = raw.load(as: sockaddr_in.self)
                return (.v4(IPv4Address(rawValue: UInt32(bigEndian: sin.sin_addr.s_addr))), UInt16(bigEndian: sin.sin_port))
            case AF_INET6:
                let sin6 = raw.load(as: sockaddr_in6.self)
                let bytes = Swift.withUnsafeBytes(of: sin6.sin6_addr) { Array($0) }
                let isMapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
                let address = isMapped ? IPAddress(bytes: bytes[12...])! : IPAddress(bytes: bytes)!
                return (address, UInt16(bigEndian: sin6.sin6_port))
            default:
                return nil
            }
        }
    }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafeBytes(of: storage) { body($0.baseAddress!.assumingMemoryBound(to: sockaddr.self), length) }
    }

    static func local(of fd: Int32) -> SocketAddress? {
        fetch { getsockname(fd, $0, $1) }
    }

    static func remote(of fd: Int32) -> SocketAddress? {
        fetch { getpeername(fd, $0, $1) }
    }

    private static func fetch(_ call: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32) -> SocketAddress? {
        var address = SocketAddress()
        let result = withUnsafeMutableBytes(of: &address.storage) { raw in
            call(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &address.length)
        }
        return result == 0 ? address : nil
    }
}
