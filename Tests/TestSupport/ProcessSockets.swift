import Foundation

/// Connected TCP sockets of this process (inode in `/proc/self/fd`), as (local, remote) `ADDR:PORT` hex
/// pairs as /proc/net/tcp writes them (`0100007F:1F92`). Reading /proc/net/tcp is no snapshot: a
/// socket may be listed twice while others come and go, so entries are kept once per inode.
public func connectedSocketsOfThisProcess() -> [(local: Substring, remote: Substring)] {
    var inodes = Set<String>()
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(entry)"),
              target.hasPrefix("socket:[") else { continue }
        inodes.insert(String(target.dropFirst(8).dropLast()))
    }
    var connected: [String: (local: Substring, remote: Substring)] = [:]
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        // /proc files report size 0: read until the end rather than trusting the size.
        guard let data = FileHandle(forReadingAtPath: table)?.readDataToEndOfFile() else { continue }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            if fields.count > 9, fields[3] != "0A", inodes.contains(String(fields[9])) { connected[String(fields[9])] = (fields[1], fields[2]) }
        }
    }
    return Array(connected.values)
}

/// `127.0.0.1:port` as /proc/net/tcp writes it.
public func loopbackSocketAddress(port: UInt16) -> Substring {
    Substring(String(format: "0100007F:%04X", port))
}
