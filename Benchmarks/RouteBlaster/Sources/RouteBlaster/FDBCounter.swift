import Glibc

/// Counts remote MAC entries in the kernel FDB of another network namespace: entries with a VXLAN
/// destination (NDA_DST) and a non-zero MAC, i.e. what `bridge fdb show | grep dst` lists minus the
/// all-zero flood entries. It dumps AF_BRIDGE neighbours over an rtnetlink socket opened inside
/// that namespace (a socket keeps the namespace it was created in), which costs far less than
/// running `bridge fdb show` over 100k entries.
final class FDBCounter: RouteCounter, @unchecked Sendable {
    private let fd: Int32
    private var sequence: UInt32 = 0

    init(netns: String) throws(BlasterError) {
        let target = open("/run/netns/\(netns)", O_RDONLY | O_CLOEXEC)
        guard target >= 0 else { throw .system("open /run/netns/\(netns)", errno) }
        defer { close(target) }
        let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard original >= 0 else { throw .system("open /proc/thread-self/ns/net", errno) }
        defer { close(original) }
        guard Self.setns(target, Self.newNetworkNamespace) == 0 else { throw .system("setns \(netns)", errno) }
        fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0 /* NETLINK_ROUTE */)
        let socketError = errno
        guard Self.setns(original, Self.newNetworkNamespace) == 0 else { fatalError("cannot return to the blaster's namespace") }
        guard fd >= 0 else { throw .system("netlink socket", socketError) }
        var size: Int32 = 8 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    private static let newNetworkNamespace: Int32 = 0x4000_0000  // CLONE_NEWNET

    /// setns(2), which the Glibc module does not import.
    private static let setns: @convention(c) (Int32, Int32) -> Int32 = {
        guard let symbol = dlsym(nil, "setns") else { fatalError("no setns in libc") }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    }()
    private static let getNeighbour: UInt16 = 30                // RTM_GETNEIGH
    private static let newNeighbour: UInt16 = 28                // RTM_NEWNEIGH
    private static let done: UInt16 = 3, error: UInt16 = 2      // NLMSG_DONE, NLMSG_ERROR
    private static let destination: UInt16 = 1, linkAddress: UInt16 = 2  // NDA_DST, NDA_LLADDR

    func count() throws -> Int {
        sequence &+= 1
        // Host byte order (netlink). nlmsghdr (16 bytes) + ndmsg (12 bytes): family AF_BRIDGE, everything else zero.
        var request = [UInt8](repeating: 0, count: 28)
        Self.store(UInt32(28), in: &request, at: 0)
        Self.store(UInt16(Self.getNeighbour), in: &request, at: 4)
        Self.store(UInt16(0x301), in: &request, at: 6)  // NLM_F_REQUEST | NLM_F_DUMP
        Self.store(sequence, in: &request, at: 8)
        request[16] = UInt8(AF_BRIDGE)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress!, $0.count, 0) }) == 28 else {
            throw BlasterError.system("netlink send", errno)
        }
        var total = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if received < 0 && errno == EINTR { continue }
            guard received > 0 else { throw BlasterError.system("netlink recv", errno) }
            var offset = 0
            while offset + 16 <= received {
                let length = Int(Self.load(UInt32.self, buffer, at: offset))
                let type = Self.load(UInt16.self, buffer, at: offset + 4)
                guard length >= 16, offset + length <= received else { break }
                if type == Self.done { return total }
                if type == Self.error { throw BlasterError.protocolError("netlink error on the FDB dump") }
                if type == Self.newNeighbour && isRemoteMAC(buffer, from: offset + 28, to: offset + length) { total += 1 }
                offset += (length + 3) & ~3
            }
        }
    }

    /// Whether the neighbour attributes in `start..<end` hold a destination and a non-zero MAC.
    private func isRemoteMAC(_ buffer: [UInt8], from start: Int, to end: Int) -> Bool {
        var hasDestination = false
        var nonZeroMAC = false
        var offset = start
        while offset + 4 <= end {
            let length = Int(Self.load(UInt16.self, buffer, at: offset))
            let type = Self.load(UInt16.self, buffer, at: offset + 2) & 0x3FFF
            guard length >= 4, offset + length <= end else { break }
            if type == Self.destination { hasDestination = true }
            if type == Self.linkAddress { nonZeroMAC = buffer[(offset + 4)..<(offset + length)].contains { $0 != 0 } }
            offset += (length + 3) & ~3
        }
        return hasDestination && nonZeroMAC
    }

    private static func store<T: FixedWidthInteger>(_ value: T, in bytes: inout [UInt8], at offset: Int) {
        withUnsafeBytes(of: value) { for (index, byte) in $0.enumerated() { bytes[offset + index] = byte } }
    }

    private static func load<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], at offset: Int) -> T {
        bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
    }
}
