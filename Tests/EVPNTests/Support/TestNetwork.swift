import BGPWire
import Collections
import Dataplane
@testable import EVPN
import NetAddress

/// Records what one router decided: dataplane intents go to a `DummyDriver`; route updates are
/// encoded into UPDATE messages with BGPWire (as a session would), kept, and handed to the network.
final class RecordingOutput: EVPNOutput {
    let address: IPAddress
    let driver = DummyDriver()
    weak var network: TestNetwork?
    /// Every route update sent, with its destination.
    private(set) var updates: [(peer: IPAddress, update: RouteUpdate)] = []
    /// Every encoded UPDATE message sent, with its destination.
    private(set) var messages: [(peer: IPAddress, bytes: [UInt8])] = []

    /// Every MAC mobility sequence number handed over for the state file, in order.
    private(set) var sequences: [MACSequence] = []

    /// Called after each `send`, e.g. to pause the peer as a full write queue would.
    var afterSend: ((IPAddress) -> Void)?

    init(address: IPAddress) { self.address = address }

    func send(_ updates: [RouteUpdate], to peer: IPAddress) {
        defer { afterSend?(peer) }
        for update in updates {
            self.updates.append((peer, update))
            for bytes in update.encoded(context: TestNetwork.context) {
                messages.append((peer, bytes))
                network?.transmit(bytes, from: address, to: peer)
            }
        }
    }

    func apply(_ intents: [DataplaneIntent]) {
        _ = driver.apply(intents)
    }

    func sequencesChanged(_ sequences: [MACSequence]) {
        self.sequences += sequences
    }

    var intents: [DataplaneIntent] { driver.applied }

    func forget() {
        driver.reset()
        sequences.removeAll()
        updates.removeAll()
        messages.removeAll()
    }

    /// Encoded UPDATE messages sent carrying EVPN routes (announced or withdrawn; End-of-RIB excluded).
    func evpnMessages(to peer: IPAddress? = nil) -> [UpdateMessage] {
        messages.filter { peer == nil || $0.peer == peer }.compactMap { message in
            guard case .update(let update) = try? BGPMessage.decode(message.bytes, context: TestNetwork.context) else {
                return nil
            }
            let carriesEVPN = update.announcedNLRI.contains { $0.family == .l2vpnEVPN }
                || update.withdrawnNLRI.contains { $0.family == .l2vpnEVPN }
            return carriesEVPN ? update : nil
        }
    }
}

/// Several routers joined by in-memory BGP sessions. UPDATEs are queued and delivered by
/// `pump()` in order, so no router is re-entered while it is flushing.
final class TestNetwork {
    struct Node {
        let router: EVPNRouter
        let output: RecordingOutput
    }

    private(set) var nodes: [IPAddress: Node] = [:]
    private var sessions: Set<[IPAddress]> = []
    private var inFlight = Deque<(from: IPAddress, to: IPAddress, bytes: [UInt8])>()

    /// The routers' clock (monotonic seconds, for MAC mobility): moves only with `advance(by:)`.
    private(set) var time = 0.0

    static let localAS: UInt32 = 64512
    /// Every session: 4-byte AS, no add-path, 4096-byte messages.
    static let context = CodecContext()

    @discardableResult
    func addNode(_ address: String, routeReflector: Bool = false, enableRTC: Bool = true,
                 configure: (inout EVPNRouterConfiguration) -> Void = { _ in }) -> Node {
        let ip = IPAddress(address)!
        guard case .v4(let v4) = ip else { fatalError("test nodes use IPv4") }
        var configuration = EVPNRouterConfiguration(localAS: Self.localAS, routerID: v4, bgpLocalAddress: ip,
                                                    enableRTC: enableRTC,
                                                    routeReflectorClusterID: routeReflector ? v4 : nil)
        configure(&configuration)
        let output = RecordingOutput(address: ip)
        output.network = self
        let node = Node(router: EVPNRouter(configuration: configuration, output: output), output: output)
        node.router.now = { [unowned self] in time }
        nodes[ip] = node
        return node
    }

    subscript(_ address: String) -> Node { nodes[IPAddress(address)!]! }

    /// Brings up a session; `client` is a route-reflector client of `reflector` when that one reflects.
    func connect(_ client: String, _ reflector: String, families: Set<AddressFamily> = [.l2vpnEVPN, .routeTargetConstraint]) {
        let a = IPAddress(client)!, b = IPAddress(reflector)!
        sessions.insert([a, b].sorted())
        let nodeA = nodes[a]!, nodeB = nodes[b]!
        nodeB.router.peerUp(a, routerID: nodeA.router.configuration.routerID, families: families,
                            peerAS: nodeA.router.configuration.localAS,
                            isRouteReflectorClient: nodeB.router.configuration.routeReflectorClusterID != nil)
        nodeA.router.peerUp(b, routerID: nodeB.router.configuration.routerID, families: families,
                            peerAS: nodeB.router.configuration.localAS)
        pump()
    }

    func disconnect(_ a: String, _ b: String) {
        let x = IPAddress(a)!, y = IPAddress(b)!
        sessions.remove([x, y].sorted())
        inFlight.removeAll { Set([$0.from, $0.to]) == Set([x, y]) }
        nodes[x]!.router.peerDown(y)
        nodes[y]!.router.peerDown(x)
        pump()
    }

    func transmit(_ bytes: [UInt8], from: IPAddress, to: IPAddress) {
        guard sessions.contains([from, to].sorted()) else { return }
        inFlight.append((from, to, bytes))
    }

    /// Decodes and delivers queued UPDATEs until none is left.
    func pump() {
        while let message = inFlight.popFirst() {
            guard case .update(let update) = try! BGPMessage.decode(message.bytes, context: Self.context) else {
                fatalError("only UPDATEs travel here")
            }
            nodes[message.to]?.router.receive(update, from: message.from)
        }
    }

    func advance(by seconds: Double) {
        time += seconds
    }

    func forgetOutputs() {
        for node in nodes.values { node.output.forget() }
    }
}
