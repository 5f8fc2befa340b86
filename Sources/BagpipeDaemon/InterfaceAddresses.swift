#if canImport(Glibc)
import Glibc
#endif
import NetAddress

/// Looks up interface addresses with getifaddrs(3).
public enum InterfaceAddresses {
    /// The first IPv4 address of interface `name`, as BaGPipe's `InterfaceAddress` option does.
    public static func firstIPv4(_ name: String) -> IPv4Address? {
        var list: UnsafeMutablePointer<ifaddrs>? = nil
        guard getifaddrs(&list) == 0 else { return nil }
        defer { freeifaddrs(list) }
        var cursor = list
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET),
                  String(cString: entry.pointee.ifa_name) == name else { continue }
            let ipv4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
            return IPv4Address(rawValue: UInt32(bigEndian: ipv4))
        }
        return nil
    }
}
