import EventLoop
import NetAddress
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// TCP MD5 (RFC 2385) and GTSM (RFC 5082) on loopback: the kernel drops bad SYNs silently, so a
/// refused peer sees a connect timeout.
@Suite struct SocketSecurityTests {
    private func attempt(_ loop: EventLoop, port: UInt16, md5Key: String? = nil, ttl: UInt8? = nil,
                         minimumTTL: UInt8? = nil) async throws -> Result<TCPConnection, Error> {
        let result = LoopState<Result<TCPConnection, Error>?>(nil)
        try await loop.run {
            try TCPConnection.connect(loop: loop, to: IPAddress("127.0.0.1")!, port: port, md5Key: md5Key, ttl: ttl,
                                      minimumTTL: minimumTTL, timeout: 0.5) { result.value = $0 }
        }
        try await loop.waitUntil("connect result") { result.value != nil }
        return try await loop.run { result.value! }
    }

    @Test func md5RightKeyConnectsWrongOrMissingKeyDoesNot() async throws {
        let loop = try EventLoop(label: "test.md5")
        let accepted = LoopState(0)
        let listener = try await loop.run {
            let listener = try TCPListener(loop: loop, address: IPAddress("127.0.0.1"), port: 0) { _ in accepted.value += 1 }
            try listener.setMD5Key("s3cret", for: IPAddress("127.0.0.1")!)
            return listener
        }
        let right = try await attempt(loop, port: listener.localPort, md5Key: "s3cret")
        let connection = try right.get()
        let wrong = try await attempt(loop, port: listener.localPort, md5Key: "guess")
        #expect((wrong.failureValue as? SocketError)?.code == ETIMEDOUT)
        let none = try await attempt(loop, port: listener.localPort)
        #expect((none.failureValue as? SocketError)?.code == ETIMEDOUT)
        try await loop.waitUntil("accept") { accepted.value == 1 }
        // Removing the key lets unsigned connections in again.
        try await loop.run { try listener.setMD5Key(nil, for: IPAddress("127.0.0.1")!) }
        try await attempt(loop, port: listener.localPort).get().closeOnLoop()
        try await loop.run { connection.close(); listener.close() }
        try await loop.waitUntil("release") { loop.liveObjectCount == 0 }
    }

    @Test func gtsmAcceptsTTL255AndDropsLower() async throws {
        let loop = try EventLoop(label: "test.gtsm")
        let listener = try await loop.run {
            let listener = try TCPListener(loop: loop, address: IPAddress("127.0.0.1"), port: 0) { _ in }
            try listener.setMinimumTTL(255)
            return listener
        }
        try await attempt(loop, port: listener.localPort, ttl: 255).get().closeOnLoop()
        let low = try await attempt(loop, port: listener.localPort, ttl: 64)
        #expect((low.failureValue as? SocketError)?.code == ETIMEDOUT)
        // Both sides checking: the client drops a SYN-ACK sent with the default TTL, until the
        // listener sends with 255 too.
        let strict = try await attempt(loop, port: listener.localPort, ttl: 255, minimumTTL: 255)
        #expect((strict.failureValue as? SocketError)?.code == ETIMEDOUT)
        try await loop.run { try listener.setTTL(255) }
        try await attempt(loop, port: listener.localPort, ttl: 255, minimumTTL: 255).get().closeOnLoop()
        try await loop.run { listener.close() }
        try await loop.waitUntil("release") { loop.liveObjectCount == 0 }
    }

    @Test func closingAPendingConnectReportsCancelled() async throws {
        let loop = try EventLoop(label: "test.cancel")
        let listener = try await loop.run {
            let listener = try TCPListener(loop: loop, address: IPAddress("127.0.0.1"), port: 0) { _ in }
            try listener.setMD5Key("key", for: IPAddress("127.0.0.1")!)   // unsigned SYNs vanish: connect hangs
            return listener
        }
        let result = LoopState<Result<TCPConnection, Error>?>(nil)
        try await loop.run {
            let pending = try TCPConnection.connect(loop: loop, to: IPAddress("127.0.0.1")!, port: listener.localPort,
                                                    timeout: 30) { result.value = $0 }
            pending.close()
        }
        try await loop.waitUntil("cancel") { result.value != nil }
        #expect(try await loop.run { (result.value?.failureValue as? SocketError)?.code } == ECANCELED)
        try await loop.run { listener.close() }
        try await loop.waitUntil("release") { loop.liveObjectCount == 0 }
    }
}
