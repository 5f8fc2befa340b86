import EventLoop
import NetAddress
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Byte `index` of the test stream.
private func patternByte(_ index: Int) -> UInt8 { UInt8(truncatingIfNeeded: index % 251) }

/// Echoes every byte back; stops reading while more than 256 KiB wait to be sent.
private func startEchoServer(loop: EventLoop, address: IPAddress) throws -> TCPListener {
    try TCPListener(loop: loop, address: address, port: 0) { connection in
        connection.onRead = { [unowned connection] bytes in
            connection.write(Array(bytes))
            if connection.pendingWriteBytes > 256 * 1024 { connection.pauseReading() }
        }
        connection.onWritable = { [unowned connection] in connection.resumeReading() }
    }
}

/// Connects and waits for the result; `configure` runs in the completion, before any read can arrive.
private func connect(_ loop: EventLoop, to address: IPAddress, port: UInt16, timeout: Double = 5,
                     configure: @escaping (TCPConnection) -> Void = { _ in }) async throws -> Result<TCPConnection, Error> {
    let result = LoopState<Result<TCPConnection, Error>?>(nil)
    try await loop.run {
        try TCPConnection.connect(loop: loop, to: address, port: port, timeout: timeout) {
            if case .success(let connection) = $0 { configure(connection) }
            result.value = $0
        }
    }
    try await loop.waitUntil("connect", timeout: timeout + 5) { result.value != nil }
    return try await loop.run { result.value! }
}

@Suite struct TCPConnectionTests {
    @Test(arguments: ["127.0.0.1", "::1"])
    func echoesOneMegabyteWithBackpressure(address text: String) async throws {
        let loop = try EventLoop(label: "test.echo")
        let address = try #require(IPAddress(text))
        let listener = try await loop.run { try startEchoServer(loop: loop, address: address) }
        let client = try await connect(loop, to: address, port: listener.localPort).get()
        #expect(client.remoteAddress == address)
        #expect(client.localAddress == address)
        let total = 1 << 20
        let sent = LoopState(0), received = LoopState(0), corrupt = LoopState(false)
        try await loop.run {
            func produce() {
                while sent.value < total {
                    if client.pendingWriteBytes > 128 * 1024 { return }
                    let chunk = (sent.value..<min(sent.value + 16 * 1024, total)).map(patternByte)
                    client.write(chunk)
                    sent.value += chunk.count
                }
            }
            client.writeLowWaterMark = 32 * 1024
            client.onWritable = produce
            client.onRead = { bytes in
                for byte in bytes {
                    if byte != patternByte(received.value) { corrupt.value = true }
                    received.value += 1
                }
            }
            produce()
        }
        try await loop.waitUntil("echo of 1 MiB", timeout: 30) { received.value == total }
        #expect(try await loop.run { !corrupt.value })
        try await loop.run { client.close(); listener.close() }
        try await loop.waitUntil("release") { loop.liveObjectCount == 0 }
    }

    @Test func slowReaderQueuesWritesUntilItReadsThenOnWritableFires() async throws {
        let loop = try EventLoop(label: "test.backpressure")
        let serverSide = LoopState<TCPConnection?>(nil), received = LoopState(0)
        let listener = try await loop.run {
            try TCPListener(loop: loop, address: IPAddress("127.0.0.1"), port: 0) { connection in
                connection.pauseReading()
                connection.onRead = { received.value += $0.count }
                serverSide.value = connection
            }
        }
        let client = try await connect(loop, to: IPAddress("127.0.0.1")!, port: listener.localPort).get()
        try await loop.waitUntil("accept") { serverSide.value != nil }
        let writableCalls = LoopState(0)
        let total = 32 << 20
        try await loop.run {
            client.onWritable = { writableCalls.value += 1 }
            for _ in 0..<(total >> 20) { client.write([UInt8](repeating: 1, count: 1 << 20)) }
        }
        // The kernel buffers fill up; the rest waits in the queue, and the loop is not blocked meanwhile.
        try await loop.waitUntil("queued") { client.pendingWriteBytes > 0 }
        let (calls, pending, got) = try await loop.run { (writableCalls.value, client.pendingWriteBytes, received.value) }
        #expect(calls == 0, "pending \(pending) received \(got)")
        try await loop.run { serverSide.value!.resumeReading() }
        try await loop.waitUntil("drained", timeout: 30) { received.value == total }
        let (callsAfter, pendingAfter) = try await loop.run { (writableCalls.value, client.pendingWriteBytes) }
        #expect(callsAfter == 1 && pendingAfter == 0, "calls \(callsAfter) pending \(pendingAfter)")
        try await loop.run { client.close(); listener.close() }
        try await loop.waitUntil("release") { loop.liveObjectCount == 0 }
    }

    @Test func peerCloseIsReportedExactlyOnceWithoutError() async throws {
        let loop = try EventLoop(label: "test.peerclose")
        let listener = try await loop.run {
            try TCPListener(loop: loop, address: IPAddress("127.0.0.1"), port: 0) { $0.close() }
        }
        let reports = LoopState<[String]>([])
        let client = try await connect(loop, to: IPAddress("127.0.0.1")!, port: listener.localPort) { client in
            client.onClose = { reports.value.append($0.map { "\($0)" } ?? "nil") }
        }.get()
        try await loop.waitUntil("close") { !reports.value.isEmpty && loop.liveObjectCount == 1 }
        try await loop.run { client.close(); client.write([1, 2, 3]) }   // both ignored once closed
        try await loop.run { listener.close() }
        try await loop.waitUntil("release") { loop.liveObjectCount == 0 }
        #expect(try await loop.run { reports.value } == ["nil"])
    }

    @Test func localCloseCallsOnCloseOnceAfterTheDescriptorIsClosed() async throws {
        let loop = try EventLoop(label: "test.localclose")
        let listener = try await loop.run { try startEchoServer(loop: loop, address: IPAddress("127.0.0.1")!) }
        let client = try await connect(loop, to: IPAddress("127.0.0.1")!, port: listener.localPort).get()
        let calls = LoopState(0)
        try await loop.run {
            client.onClose = { error in
                #expect(error == nil)
                #expect(tcpSocketsWithDescriptor(port: client.localPort, localOnly: true) == 0)
                calls.value += 1
            }
            client.close()
            client.close()
            #expect(!client.isOpen)
        }
        try await loop.waitUntil("onClose") { calls.value == 1 }
        try await loop.run { listener.close() }
        try await loop.waitUntil("release") { loop.liveObjectCount == 0 }
        #expect(try await loop.run { calls.value } == 1)
    }

    @Test func refusedConnectionIsReported() async throws {
        let loop = try EventLoop(label: "test.refused")
        let listener = try await loop.run { try TCPListener(loop: loop, address: IPAddress("127.0.0.1"), port: 0) { _ in } }
        let port = listener.localPort
        try await loop.run { listener.close() }
        try await loop.waitUntil("listener closed") { loop.liveObjectCount == 0 }
        let result = try await connect(loop, to: IPAddress("127.0.0.1")!, port: port)
        let error = try #require(result.failureValue as? SocketError)
        #expect(error.code == ECONNREFUSED)
        try await loop.waitUntil("release") { loop.liveObjectCount == 0 }
    }

    @Test func flushingCloseDeliversEverythingBeforeTheFIN() async throws {
        let loop = try EventLoop(label: "test.flushclose")
        let received = LoopState(0), peerSawEOF = LoopState(false)
        let listener = try await loop.run {
            try TCPListener(loop: loop, address: IPAddress("127.0.0.1"), port: 0) { connection in
                connection.onRead = { received.value += $0.count }
                connection.onClose = { if $0 == nil { peerSawEOF.value = true } }
            }
        }
        let client = try await connect(loop, to: IPAddress("127.0.0.1")!, port: listener.localPort).get()
        let closed = LoopState(false)
        try await loop.run {
            client.onClose = { _ in closed.value = true }
            for _ in 0..<64 { client.write([UInt8](repeating: 7, count: 64 * 1024)) }
            #expect(client.pendingWriteBytes > 0)
            client.close(flushing: true)
            client.write([1])   // ignored: closing
        }
        try await loop.waitUntil("flush") { peerSawEOF.value && closed.value }
        #expect(try await loop.run { received.value } == 64 * 64 * 1024)
        try await loop.run { listener.close() }
        try await loop.waitUntil("release") { loop.liveObjectCount == 0 }
    }

    @Test func manyConnectionsLeaveNoDescriptorsOrObjectsBehind() async throws {
        let loop = try EventLoop(label: "test.leak")
        let listener = try await loop.run { try startEchoServer(loop: loop, address: IPAddress("127.0.0.1")!) }
        let port = listener.localPort
        for round in 0..<200 {
            let client = try await connect(loop, to: IPAddress("127.0.0.1")!, port: listener.localPort).get()
            try await loop.run {
                client.write([UInt8(truncatingIfNeeded: round)])
                if round % 2 == 0 { client.close() }   // odd rounds: the server side is left to notice
            }
            if round % 2 == 1 { try await client.closeOnLoop() }
        }
        try await loop.waitUntil("all released") { loop.liveObjectCount == 1 }
        // Every socket of those connections is closed: none is left open (TIME_WAIT has no descriptor).
        #expect(tcpSocketsWithDescriptor(port: port) == 0)
        try await loop.run { listener.close() }
        try await loop.waitUntil("release") { loop.liveObjectCount == 0 }
    }
}

extension TCPConnection {
    func closeOnLoop() async throws { try await loop.run { self.close() } }
}

extension Result {
    var failureValue: Failure? { if case .failure(let error) = self { error } else { nil } }
}
