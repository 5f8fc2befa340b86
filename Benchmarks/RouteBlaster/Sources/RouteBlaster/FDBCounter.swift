import Foundation
import Glibc

/// Follows the remote MAC entries of the kernel FDB in another network namespace: entries with a
/// VXLAN destination (NDA_DST) and a non-zero MAC, per device, i.e. what `bridge fdb show | grep dst`
/// lists minus the all-zero flood entries. Like `bridge monitor fdb` (the method interop.md
/// recommends), it listens to neighbour notifications (RTNLGRP_NEIGH) on a thread of its own and
/// notes when the set last changed, so a goal is timed to the event, not to a poll. A full dump
/// seeds the set, and re-seeds it if notifications were lost (ENOBUFS; counted in `overflows`).
/// Dumps are not used for polling: the kernel's FDB dump restarts each 32 KiB chunk with a walk
/// over the entries already sent, which is quadratic and holds the RTNL lock that the receiver
/// needs to add entries.
final class FDBCounter: RouteCounter, @unchecked Sendable {
    private let events: Int32
    private let dumps: Int32
    private let lock = NSLock()
    private var entries = Set<Entry>()
    private var lastChange: Double?
    private var lostNotifications = 0

    private struct Entry: Hashable {
        var ifindex: Int32
        var mac: UInt64
    }

    init(netns: String) throws(BlasterError) {
        let target = open("/run/netns/\(netns)", O_RDONLY | O_CLOEXEC)
        guard target >= 0 else { throw .system("open /run/netns/\(netns)", errno) }
        defer { close(target) }
        let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard original >= 0 else { throw .system("open /proc/thread-self/ns/net", errno) }
        defer { close(original) }
        guard Self.setns(target, Self.newNetworkNamespace) == 0 else { throw .system("setns \(netns)", errno) }
        events = Self.netlinkSocket(groups: Self.neighbourGroup)
        dumps = Self.netlinkSocket(groups: 0)
        guard Self.setns(original, Self.newNetworkNamespace) == 0 else { fatalError("cannot return to the blaster's namespace") }
        guard events >= 0, dumps >= 0 else { throw .system("netlink socket", errno) }
        try reseed()
        Thread.detachNewThread { [self] in follow() }
    }

    func count() throws -> Int { lock.withLock { entries.count } }

    var overflows: Int? { lock.withLock { lostNotifications } }

    /// The count, and when the last notification that changed it was read.
    func countWithTime() throws -> (Int, Double?) { lock.withLock { (entries.count, lastChange) } }

    // MARK: netlink

    private static let newNetworkNamespace: Int32 = 0x4000_0000  // CLONE_NEWNET
    private static let neighbourGroup: UInt32 = 1 << 2            // RTMGRP_NEIGH
    private static let getNeighbour: UInt16 = 30, newNeighbour: UInt16 = 28, deleteNeighbour: UInt16 = 29
    private static let done: UInt16 = 3, error: UInt16 = 2        // NLMSG_DONE, NLMSG_ERROR
    private static let destination: UInt16 = 1, linkAddress: UInt16 = 2  // NDA_DST, NDA_LLADDR

    /// setns(2), which the Glibc module does not import.
    private static let setns: @convention(c) (Int32, Int32) -> Int32 = {
        guard let symbol = dlsym(nil, "setns") else { fatalError("no setns in libc") }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    }()

    private static func netlinkSocket(groups: UInt32) -> Int32 {
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0 /* NETLINK_ROUTE */)
        guard fd >= 0 else { return -1 }
        var size: Int32 = 64 << 20
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        // struct sockaddr_nl (not imported): family (2 bytes), pad (2), port id (4), groups (4).
        var address = [UInt8](repeating: 0, count: 12)
        store(UInt16(AF_NETLINK), in: &address, at: 0)
        store(groups, in: &address, at: 8)
        let bound = address.withUnsafeBytes {
            bind(fd, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t($0.count))
        }
        guard bound == 0 else { close(fd); return -1 }
        return fd
    }

    /// Reads notifications until the process ends.
    private func follow() {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let received = buffer.withUnsafeMutableBytes { recv(events, $0.baseAddress!, $0.count, 0) }
            if received < 0 {
                if errno == EINTR { continue }
                if errno == ENOBUFS {
                    lock.withLock { lostNotifications += 1 }
                    try? reseed()
                    continue
                }
                return
            }
            lock.withLock {
                Self.forEachMessage(buffer, count: received) { type, message in
                    guard type == Self.newNeighbour || type == Self.deleteNeighbour, let entry = Self.remoteEntry(message) else { return }
                    let changed = type == Self.newNeighbour ? entries.insert(entry).inserted : entries.remove(entry) != nil
                    if changed { lastChange = Clock.now }
                }
            }
        }
    }

    /// Replaces the set with a full AF_BRIDGE neighbour dump (duplicates from a dump that runs
    /// while entries change collapse in the set).
    private func reseed() throws(BlasterError) {
        // Host byte order (netlink). nlmsghdr (16 bytes) + ndmsg (12 bytes): family AF_BRIDGE, the rest zero.
        var request = [UInt8](repeating: 0, count: 28)
        Self.store(UInt32(28), in: &request, at: 0)
        Self.store(Self.getNeighbour, in: &request, at: 4)
        Self.store(UInt16(0x301), in: &request, at: 6)  // NLM_F_REQUEST | NLM_F_DUMP
        request[16] = UInt8(AF_BRIDGE)
        guard request.withUnsafeBytes({ send(dumps, $0.baseAddress!, $0.count, 0) }) == 28 else {
            throw .system("netlink send", errno)
        }
        var seeded = Set<Entry>()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var finished = false
        while !finished {
            let received = buffer.withUnsafeMutableBytes { recv(dumps, $0.baseAddress!, $0.count, 0) }
            if received < 0 && errno == EINTR { continue }
            guard received > 0 else { throw .system("netlink recv", errno) }
            Self.forEachMessage(buffer, count: received) { type, message in
                if type == Self.done || type == Self.error { finished = true }
                if type == Self.newNeighbour, let entry = Self.remoteEntry(message) { seeded.insert(entry) }
            }
        }
        lock.withLock {
            entries = seeded
            lastChange = Clock.now
        }
    }

    private static func forEachMessage(_ buffer: [UInt8], count: Int, _ body: (UInt16, ArraySlice<UInt8>) -> Void) {
        var offset = 0
        while offset + 16 <= count {
            let length = Int(load(UInt32.self, buffer, at: offset))
            guard length >= 16, offset + length <= count else { return }
            body(load(UInt16.self, buffer, at: offset + 4), buffer[offset..<offset + length])
            offset += (length + 3) & ~3
        }
    }

    /// The (device, MAC) of an FDB (AF_BRIDGE) neighbour message that has a destination and a
    /// non-zero MAC. ARP/ND entries (AF_INET/AF_INET6) come through the same group and are skipped.
    private static func remoteEntry(_ message: ArraySlice<UInt8>) -> Entry? {
        let base = message.startIndex
        guard message.count >= 28, message[base + 16] == UInt8(AF_BRIDGE) else { return nil }
        let ifindex = message.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 20, as: Int32.self) }
        var hasDestination = false
        var mac: UInt64 = 0
        var offset = base + 28
        while offset + 4 <= message.endIndex {
            let length = Int(message.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset - base, as: UInt16.self) })
            let type = message.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset - base + 2, as: UInt16.self) } & 0x3FFF
            guard length >= 4, offset + length <= message.endIndex else { break }
            if type == destination { hasDestination = true }
            if type == linkAddress && length == 10 { mac = message[(offset + 4)..<(offset + 10)].reduce(0) { $0 << 8 | UInt64($1) } }
            offset += (length + 3) & ~3
        }
        return hasDestination && mac != 0 ? Entry(ifindex: ifindex, mac: mac) : nil
    }

    private static func store<T: FixedWidthInteger>(_ value: T, in bytes: inout [UInt8], at offset: Int) {
        withUnsafeBytes(of: value) { for (index, byte) in $0.enumerated() { bytes[offset + index] = byte } }
    }

    private static func load<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], at offset: Int) -> T {
        bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
    }
}
