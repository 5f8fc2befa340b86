@testable import BGPSpeaker
import BGPWire
import Dispatch
import EventLoop
import Logging
import NetAddress
#if canImport(Glibc)
import Glibc
#endif

/// Mutable test state confined to an event loop.
final class LoopState<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

struct TestTimeout: Error, CustomStringConvertible {
    let description: String
}

extension EventLoop {
    /// Runs `body` on the loop and returns its result.
    @discardableResult
    func run<T>(_ body: @escaping () throws -> T) async throws -> T {
        let box = Unchecked(body)
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { Unchecked(try box.value()) }) }
        }.value
    }

    /// Polls `condition` on the loop every 1–10 ms until it holds, for at most `timeout` seconds.
    func waitUntil(_ what: String, timeout: Double = 10, _ condition: @escaping () -> Bool) async throws {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        var interval: UInt64 = 1_000_000
        while try await !run(condition) {
            guard DispatchTime.now().uptimeNanoseconds < deadline else { throw TestTimeout(description: "timed out waiting for \(what)") }
            try await Task.sleep(nanoseconds: interval)
            interval = min(interval * 2, 10_000_000)
        }
    }
}

/// Records what a speaker tells the RIB. Loop-confined.
final class RecordingDelegate: BGPSpeakerDelegate, @unchecked Sendable {
    var established: [EstablishedSession] = []
    var downs: [(peer: IPAddress, reason: String, cause: SessionDownReason, session: EstablishedSession)] = []
    var updates: [(update: UpdateMessage, peer: IPAddress)] = []
    var refreshes: [(family: AddressFamily, peer: IPAddress)] = []
    var writable = 0
    /// Also told everything (a RIB under test), after it is recorded.
    var next: BGPSpeakerDelegate?

    func sessionEstablished(_ session: EstablishedSession) {
        established.append(session)
        next?.sessionEstablished(session)
    }
    func sessionDown(_ session: EstablishedSession, reason: SessionDownReason) {
        downs.append((session.peer, reason.description, reason, session))
        next?.sessionDown(session, reason: reason)
    }
    func received(_ update: UpdateMessage, from peer: IPAddress) {
        updates.append((update, peer))
        next?.received(update, from: peer)
    }
    func receivedRouteRefresh(_ family: AddressFamily, from peer: IPAddress) {
        refreshes.append((family, peer))
        next?.receivedRouteRefresh(family, from: peer)
    }
    func readyForMoreUpdates(to peer: IPAddress) { writable += 1 }
}

/// A speaker on its own loop, listening on `address` (port chosen by the kernel unless given).
final class TestSpeaker: @unchecked Sendable {
    let loop: EventLoop
    let speaker: BGPSpeaker
    let delegate = RecordingDelegate()
    let address: IPAddress
    let port: UInt16

    init(_ label: String, address: String, routerID: IPv4Address, localAS: UInt32 = 64512, port: UInt16 = 0,
         loop: EventLoop? = nil, networkNamespace: String? = nil, listen: Bool = true) async throws {
        self.loop = try loop ?? EventLoop(label: "test.\(label)", networkNamespace: networkNamespace)
        self.address = IPAddress(address)!
        var logger = Logger(label: "speaker.\(label)")
        logger.logLevel = testLogLevel
        let configuration = SpeakerConfiguration(
            localAS: localAS, routerID: routerID, listenAddress: self.address, listenPort: listen ? port : nil,
            backoff: ReconnectBackoff(initial: 0.2, maximum: 1), connectRetryTime: 2, openHoldTime: 10)
        let delegate = self.delegate
        let speakerLoop = self.loop
        let made = try await speakerLoop.run {
            let speaker = BGPSpeaker(loop: speakerLoop, configuration: configuration, delegate: delegate, logger: logger)
            try speaker.start()
            return Unchecked(speaker)
        }
        speaker = made.value
        self.port = try await speakerLoop.run { made.value.listeningPort ?? 0 }
    }

    /// A configuration for connecting to this speaker as a peer from `from`.
    func asPeer(from: TestSpeaker, holdTime: UInt16 = 3, passive: Bool = false, md5Key: String? = nil,
                families: Set<AddressFamily> = [.l2vpnEVPN, .routeTargetConstraint]) -> PeerConfiguration {
        PeerConfiguration(address: address, port: port, localAddress: from.address, peerAS: speaker.configuration.localAS,
                          holdTime: holdTime, md5Key: md5Key, passive: passive, families: families)
    }

    func setPeers(_ peers: [PeerConfiguration]) async throws {
        try await loop.run { try self.speaker.setPeers(peers) }
    }

    func snapshot(_ peer: IPAddress) async throws -> PeerSnapshot? {
        try await loop.run { self.speaker.peerSnapshots.first { $0.address == peer } }
    }

    func waitEstablished(with peer: TestSpeaker, count: Int = 1, timeout: Double = 10) async throws {
        try await loop.waitUntil("\(address) established with \(peer.address) (\(count))", timeout: timeout) {
            self.delegate.established.filter { $0.peer == peer.address }.count >= count
                && self.speaker.establishedSession(with: peer.address) != nil
        }
    }

    /// Shuts the speaker down; unless its loop is shared, also checks that nothing is left on the loop
    /// (no connection, listener or timer).
    func shutdown(_ communication: String = "test over", loopIsShared: Bool = false) async throws {
        let done = LoopState(false)
        try await loop.run { self.speaker.shutdown(communication: communication) { done.value = true } }
        try await loop.waitUntil("shutdown of \(address)") { done.value }
        if !loopIsShared {
            try await loop.waitUntil("nothing left on the loop of \(address)", timeout: 3) { self.loop.liveObjectCount == 0 }
        }
    }
}

/// `BGP_TEST_LOG=debug` shows the speakers' logs.
var testLogLevel: Logger.Level {
    getenv("BGP_TEST_LOG").flatMap { Logger.Level(rawValue: String(cString: $0)) } ?? .critical
}

/// A hand-driven BGP peer over a raw TCP connection: sends chosen bytes, records what it receives.
final class RawPeer: @unchecked Sendable {
    let loop: EventLoop
    private(set) var connection: TCPConnection?
    var framer = MessageFramer(maximumMessageLength: 65535)
    var messages: [BGPMessage] = []
    var decodeErrors = 0
    var closed = false
    var connectError: Error?

    init(loop: EventLoop) { self.loop = loop }

    /// Connects from `from` to `to`:`port`; call on the loop.
    func connect(from: IPAddress, to: IPAddress, port: UInt16, md5Key: String? = nil) throws {
        try TCPConnection.connect(loop: loop, to: to, port: port, from: from, md5Key: md5Key, timeout: 5) { [self] result in
            switch result {
            case .success(let connection): attach(connection)
            case .failure(let error): connectError = error; closed = true
            }
        }
    }

    func attach(_ connection: TCPConnection) {
        self.connection = connection
        connection.onRead = { [unowned self] bytes in
            framer.append(bytes)
            while let message = try? framer.nextMessage() {
                if let decoded = try? BGPMessage.decode(message, context: CodecContext()) { messages.append(decoded) } else { decodeErrors += 1 }
            }
        }
        connection.onClose = { [unowned self] _ in closed = true }
    }

    func send(_ bytes: [UInt8]) { connection?.write(bytes) }
    func send(_ message: BGPMessage) { send(message.encoded(context: CodecContext())) }
    func close() { connection?.close() }

    var notifications: [NotificationMessage] {
        messages.compactMap { if case .notification(let notification) = $0 { notification } else { nil } }
    }
    var receivedOpen: Bool { messages.contains { if case .open = $0 { true } else { false } } }
}

/// Sample EVPN routes.
enum Routes {
    static func macIP(_ index: Int, nextHop: String) -> UpdateMessage {
        var attributes = PathAttributes()
        attributes.origin = .igp
        attributes.localPreference = 100
        attributes.extendedCommunities = [.routeTarget(RouteTarget("64512:80")!), .encapsulation(.vxlan)]
        let route = MACIPAdvertisementRoute(
            routeDistinguisher: RouteDistinguisher("\(nextHop):1")!, mac: MACAddress(rawValue: 0x5254_0000_0000 + UInt64(index)),
            ip: .v4(IPv4Address(rawValue: 0xCB00_7100 + UInt32(index % 250))), label1: 80)
        attributes.mpReach = MPReach(family: .l2vpnEVPN, nextHops: [IPAddress(nextHop)!], nlri: [.evpn(.macIPAdvertisement(route))])
        return UpdateMessage(attributes: attributes)
    }

    static func inclusiveMulticast(nextHop: String) -> UpdateMessage {
        var attributes = PathAttributes()
        attributes.origin = .igp
        attributes.localPreference = 100
        attributes.extendedCommunities = [.routeTarget(RouteTarget("64512:80")!), .encapsulation(.vxlan)]
        attributes.pmsiTunnel = .ingressReplication(endpoint: IPAddress(nextHop)!, label: 80)
        let route = InclusiveMulticastRoute(routeDistinguisher: RouteDistinguisher("\(nextHop):1")!, ethernetTag: 0,
                                            originator: IPAddress(nextHop)!)
        attributes.mpReach = MPReach(family: .l2vpnEVPN, nextHops: [IPAddress(nextHop)!], nlri: [.evpn(.inclusiveMulticast(route))])
        return UpdateMessage(attributes: attributes)
    }
}

/// Connected TCP sockets of this namespace with local or remote `port` that still have a descriptor.
func tcpSocketsWithDescriptor(port: UInt16) -> Int {
    var count = 0
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        guard let file = fopen(table, "r") else { continue }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0 {
            let fields = String(cString: line!).split(separator: " ")
            guard fields.count > 9, fields[0] != "sl" else { continue }
            let portOf = { (field: Substring) in field.split(separator: ":").last.flatMap { UInt16($0, radix: 16) } }
            if (portOf(fields[1]) == port || portOf(fields[2]) == port) && fields[3] != "0A" && fields[9] != "0" { count += 1 }
        }
    }
    return count
}

/// Resident set size of this process in bytes.
func residentBytes() -> Int {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var size = 0, resident = 0
    guard withUnsafeMutablePointer(to: &size, { s in withUnsafeMutablePointer(to: &resident) { r in
        withVaList([s, r]) { vfscanf(file, "%ld %ld", $0) } } }) == 2 else { return 0 }
    return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
}
