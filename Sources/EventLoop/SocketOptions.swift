#if canImport(Glibc)
import Glibc
#endif
import NetAddress

/// Socket options used by BGP transport: TCP MD5 signatures (RFC 2385) and GTSM (RFC 5082).
enum SocketOptions {
    static func setInt(_ fd: Int32, level: Int32, name: Int32, _ value: Int32, _ what: String) throws {
        var value = value
        guard setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw SocketError("setsockopt(\(what))")
        }
    }

    /// Installs (or, with nil, removes) the TCP MD5 key for `peer` on `fd` (RFC 2385; at most 80 bytes).
    static func setMD5Key(_ fd: Int32, socketFamily: Int32, peer: IPAddress, key: String?) throws {
        var signature = tcp_md5sig()
        let address = SocketAddress(peer, port: 0, socketFamily: socketFamily)
        withUnsafeMutableBytes(of: &signature.tcpm_addr) { destination in
            withUnsafeBytes(of: address.storage) { destination.copyMemory(from: $0) }
        }
        let keyBytes = Array((key ?? "").utf8)
        guard keyBytes.count <= Int(TCP_MD5SIG_MAXKEYLEN) else {
            throw SocketError("TCP MD5 key longer than \(TCP_MD5SIG_MAXKEYLEN) bytes", code: EINVAL)
        }
        signature.tcpm_keylen = UInt16(keyBytes.count)
        withUnsafeMutableBytes(of: &signature.tcpm_key) { $0.copyBytes(from: keyBytes) }
        let result = setsockopt(fd, Int32(IPPROTO_TCP), TCP_MD5SIG, &signature, socklen_t(MemoryLayout<tcp_md5sig>.size))
        // Removing a key that is not installed fails with ENOENT: nothing to do.
        if result != 0 && !(key == nil && errno == ENOENT) { throw SocketError("setsockopt(TCP_MD5SIG)") }
    }

    /// The TTL (IPv4) or hop limit (IPv6) of outgoing packets.
    static func setTTL(_ fd: Int32, socketFamily: Int32, _ ttl: UInt8) throws {
        if socketFamily == AF_INET6 {
            try setInt(fd, level: Int32(IPPROTO_IPV6), name: IPV6_UNICAST_HOPS, Int32(ttl), "IPV6_UNICAST_HOPS")
            // A dual-stack socket may carry IPv4 too.
            _ = try? setInt(fd, level: Int32(IPPROTO_IP), name: IP_TTL, Int32(ttl), "IP_TTL")
        } else {
            try setInt(fd, level: Int32(IPPROTO_IP), name: IP_TTL, Int32(ttl), "IP_TTL")
        }
    }

    /// Drops received packets whose TTL / hop limit is below `minimum` (GTSM, RFC 5082 §3); 0 turns it off.
    static func setMinimumTTL(_ fd: Int32, socketFamily: Int32, _ minimum: UInt8) throws {
        if socketFamily == AF_INET6 {
            try setInt(fd, level: Int32(IPPROTO_IPV6), name: IPV6_MINHOPCOUNT, Int32(minimum), "IPV6_MINHOPCOUNT")
            _ = try? setInt(fd, level: Int32(IPPROTO_IP), name: IP_MINTTL, Int32(minimum), "IP_MINTTL")
        } else {
            try setInt(fd, level: Int32(IPPROTO_IP), name: IP_MINTTL, Int32(minimum), "IP_MINTTL")
        }
    }

    static func setNoDelay(_ fd: Int32) throws {
        try setInt(fd, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, 1, "TCP_NODELAY")
    }
}
