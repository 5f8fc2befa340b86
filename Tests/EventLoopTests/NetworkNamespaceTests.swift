import EventLoop
import Foundation
import NetAddress
import Testing

/// Runs `ip` with `arguments`; throws with its stderr when it fails.
func ip(_ arguments: String...) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
    process.arguments = arguments
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        throw TimedOut(what: "ip \(arguments.joined(separator: " ")): \(message)")
    }
}

@Suite(.enabled(if: isRoot, "needs root (network namespaces)"))
struct NetworkNamespaceTests {
    @Test func socketsOfALoopWithANamespaceLiveInThatNamespace() async throws {
        let name = "el-test-\(getpid())"
        try ip("netns", "add", name)
        defer { try? ip("netns", "del", name) }
        try ip("-n", name, "link", "set", "lo", "up")

        let inside = try EventLoop(label: "test.netns.inside", networkNamespace: name)
        let outside = try EventLoop(label: "test.netns.outside")
        let accepted = LoopState(0)
        let listener = try await inside.run {
            try TCPListener(loop: inside, address: IPAddress("127.0.0.1"), port: 0) { accepted.value += 1; $0.close() }
        }
        let port = listener.localPort
        let results = LoopState<[Int32]>([])
        for loop in [inside, outside] {
            try await loop.run {
                try TCPConnection.connect(loop: loop, to: IPAddress("127.0.0.1")!, port: port, timeout: 2) { result in
                    switch result {
                    case .success(let connection): results.value.append(0); connection.close()
                    case .failure(let error): results.value.append((error as? SocketError)?.code ?? -1)
                    }
                }
            }
            try await loop.waitUntil("connect") { results.value.count == (loop === inside ? 1 : 2) }
        }
        #expect(try await outside.run { results.value } == [0, ECONNREFUSED])
        try await inside.waitUntil("accept") { accepted.value == 1 }
        try await inside.run { listener.close() }
        try await inside.waitUntil("release") { inside.liveObjectCount == 0 }
    }
}
