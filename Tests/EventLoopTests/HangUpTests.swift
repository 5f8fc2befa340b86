import EventLoop
import NetAddress
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// libdispatch reports an EPOLLHUP once and then forgets the descriptor (see SocketSources): every
/// hang-up must still reach `onClose` or the connect completion.
@Suite struct HangUpTests {
    @Test func serverSeesEveryResetThatFollowsPartialData() async throws {
        let loop = try EventLoop(label: "test.reset.server")
        let clientLoop = try EventLoop(label: "test.reset.client")
        let closes = LoopState(0)
        let listener = try await loop.run {
            try TCPListener(loop: loop, address: IPAddress("127.0.0.1"), port: 0) { connection in
                connection.write([UInt8](repeating: 1, count: 63))   // unread by the client: its close resets
                connection.onRead = { _ in }
                connection.onClose = { _ in closes.value += 1 }
            }
        }
        for round in 1...200 {
            let done = LoopState(false)
            try await clientLoop.run {
                try TCPConnection.connect(loop: clientLoop, to: IPAddress("127.0.0.1")!, port: listener.localPort) { result in
                    guard case .success(let connection) = result else { return }
                    connection.write([UInt8](repeating: 2, count: 40))
                    connection.close()
                    done.value = true
                }
            }
            try await clientLoop.waitUntil("client \(round)") { done.value }
            try await loop.waitUntil("server close \(round)", timeout: 3) { closes.value == round }
        }
        try await loop.run { listener.close() }
        try await loop.waitUntil("release") { loop.liveObjectCount == 0 }
    }

    @Test func everyRefusedConnectIsReported() async throws {
        let loop = try EventLoop(label: "test.refused.many")
        let listener = try await loop.run { try TCPListener(loop: loop, address: IPAddress("127.0.0.1"), port: 0) { _ in } }
        let port = listener.localPort
        try await loop.run { listener.close() }
        try await loop.waitUntil("closed") { loop.liveObjectCount == 0 }
        let codes = LoopState<[Int32]>([])
        for round in 1...200 {
            try await loop.run {
                try TCPConnection.connect(loop: loop, to: IPAddress("127.0.0.1")!, port: port, timeout: 3) { result in
                    codes.value.append(((try? result.get()) == nil ? (result.failureValue as? SocketError)?.code : 0) ?? -1)
                }
            }
            try await loop.waitUntil("refusal \(round)", timeout: 5) { codes.value.count == round }
        }
        #expect(try await loop.run { Set(codes.value) } == [ECONNREFUSED])
    }

    @Test func resetWhileReadingIsPausedIsReportedOnResume() async throws {
        let loop = try EventLoop(label: "test.reset.paused")
        let server = LoopState<TCPConnection?>(nil), closed = LoopState(false)
        let listener = try await loop.run {
            try TCPListener(loop: loop, address: IPAddress("127.0.0.1"), port: 0) { connection in
                connection.pauseReading()
                connection.write([1])
                connection.onClose = { _ in closed.value = true }
                server.value = connection
            }
        }
        let clientLoop = try EventLoop(label: "test.reset.paused.client")
        let client = LoopState<TCPConnection?>(nil)
        try await clientLoop.run {
            try TCPConnection.connect(loop: clientLoop, to: IPAddress("127.0.0.1")!, port: listener.localPort) { client.value = try? $0.get() }
        }
        try await loop.waitUntil("accepted") { server.value != nil }
        try await clientLoop.waitUntil("connected") { client.value != nil }
        try await clientLoop.run { client.value!.write([2]); client.value!.close() }
        // The reset arrives while the server is not reading.
        try await loop.waitUntil("reset seen by the kernel") { tcpSocketsWithDescriptor(port: listener.localPort) <= 1 }
        #expect(try await loop.run { closed.value } == false)
        try await loop.run { server.value!.resumeReading() }
        try await loop.waitUntil("onClose after resume", timeout: 3) { closed.value }
        try await loop.run { listener.close() }
    }
}
