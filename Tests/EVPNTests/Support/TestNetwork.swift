import BGPWire
import Collections
import Dataplane
@testable import EVPN
import NetAddress

/// Records what one router decided: dataplane intents go to a `DummyDriver`, UPDATEs are kept
/// and handed to the network for delivery.
final class RecordingOutput: EVPNOutput {
    let address: IPAddress
    let driver = DummyDriver()
    weak var network: TestNetwork?
    /// Every UPDATE sent, with its destination.
    private(set) var sent: [(peer: IPAddress, update: UpdateMessage)] = []

    init(address: IPAddress) { self.address = address }

    func send(_ updates: [UpdateMessage], to peer: IPAddress) {
        for update in updates {
            sent.append((peer, update))
            network?.transmit(update, from: address, to: peer)
        }
    }

    func apply(_ intents: [DataplaneIntent]) {
        _ = driver.apply(intents)
    }

    var intents: [DataplaneIntent] { driver.applied }

    func forget() {
        driver.reset()
        sent.removeAll()
    }

    /// UPDATEs sent carrying EVPN routes (announced or withdrawn; End-of-RIB excluded).
    func evpnUpdates(to peer: IPAddress? = nil) -> [UpdateMessage] {
        sent.filter { peer == nil || $0.peer == peer }.map(\.update).filter { update in
            (update.attributes.mpReach?.family == .l2vpnEVPN && !(update.attributes.mpReach?.nlri.isEmpty ?? true))
                || (update.attributes.mpUnreach?.family == .l2vpnEVPN && !(update.attributes.mpUnreach?.nlri.isEmpty ?? true))
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
    private var inFlight = Deque<(from: IPAddress, to: IPAddress, update: UpdateMessage)>()
    /// Applied to every UPDATE on its way (the codec round trip, once BGPWire has one).
    var wire: (UpdateMessage) -> UpdateMessage = { $0 }

    static let localAS: UInt32 = 64512

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

    func transmit(_ update: UpdateMessage, from: IPAddress, to: IPAddress) {
        guard sessions.contains([from, to].sorted()) else { return }
        inFlight.append((from, to, update))
    }

    /// Delivers queued UPDATEs until none is left.
    func pump() {
        while let message = inFlight.popFirst() {
            nodes[message.to]?.router.receive(wire(message.update), from: message.from)
        }
    }

    func forgetOutputs() {
        for node in nodes.values { node.output.forget() }
    }
}
