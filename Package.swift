// swift-tools-version:6.0
import PackageDescription

/// swift-bagpipe: a BGP EVPN speaker daemon for Linux (see docs/architecture.md).
/// Dependencies point down: executables → BagpipeDaemon → {BagpipeAPI, BGPSpeaker, EVPN, LinuxDataplane}
/// → {HTTPServer, EventLoop, BGPWire, Dataplane} → NetAddress.
let log = Target.Dependency.product(name: "Logging", package: "swift-log")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let collections = Target.Dependency.product(name: "Collections", package: "swift-collections")

let package = Package(
    name: "swift-bagpipe",
    products: [
        .library(name: "NetAddress", targets: ["NetAddress"]),
        .library(name: "BGPWire", targets: ["BGPWire"]),
        .library(name: "EVPN", targets: ["EVPN"]),
        .library(name: "Dataplane", targets: ["Dataplane"]),
        .library(name: "LinuxDataplane", targets: ["LinuxDataplane"]),
        .library(name: "HTTPServer", targets: ["HTTPServer"]),
        .library(name: "OrderedJSON", targets: ["OrderedJSON"]),
        .library(name: "BagpipeAPI", targets: ["BagpipeAPI"]),
        .library(name: "BGPSpeaker", targets: ["BGPSpeaker"]),
        .library(name: "BagpipeDaemon", targets: ["BagpipeDaemon"]),
        .library(name: "CNIPlugin", targets: ["CNIPlugin"]),
        .executable(name: "bagpipe-bgp", targets: ["bagpipe-bgp"]),
        .executable(name: "bagpipe-bgp-cleanup", targets: ["bagpipe-bgp-cleanup"]),
        .executable(name: "bagpipe-rest-attach", targets: ["bagpipe-rest-attach"]),
        .executable(name: "bagpipe-looking-glass", targets: ["bagpipe-looking-glass"]),
        .executable(name: "bgp-decode", targets: ["bgp-decode"]),
        .executable(name: "bagpipe-cni", targets: ["bagpipe-cni"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        // Value types shared by every layer: MAC and IP addresses.
        .target(name: "NetAddress"),
        // Pure BGP/EVPN wire codec (RFC 4271, 4760, 7432, 4684, 7606, ...). No I/O.
        .target(name: "BGPWire", dependencies: ["NetAddress"]),
        // Dispatch-based event loop: non-blocking TCP sockets, timers, safe teardown.
        .target(name: "EventLoop", dependencies: ["CSupport", "NetAddress", log]),
        // BGP sessions: FSM (RFC 4271 §8), transport (MD5, GTSM), peers.
        .target(name: "BGPSpeaker", dependencies: ["BGPWire", "EventLoop", log]),
        // What a dataplane can be asked to do, plus a recording DummyDriver.
        .target(name: "Dataplane", dependencies: ["NetAddress"]),
        // Kernel VXLAN dataplane over netlink (libnl-route-3 for links, libmnl for FDB/neighbours).
        .systemLibrary(name: "CNetlink", pkgConfig: "libnl-route-3.0",
                       providers: [.apt(["libnl-3-dev", "libnl-route-3-dev"])]),
        .systemLibrary(name: "CMnl", pkgConfig: "libmnl", providers: [.apt(["libmnl-dev"])]),
        .target(name: "CSupport"),
        .target(name: "LinuxDataplane", dependencies: ["Dataplane", "CNetlink", "CMnl", "CSupport", log]),
        // EVPN routing: RIB, MAC-VRFs, route-target constraint, MAC mobility.
        .target(name: "EVPN", dependencies: ["BGPWire", "Dataplane", collections, log]),
        // HTTP/1.1 server on the event loop.
        .target(name: "HTTPServer", dependencies: ["EventLoop", log]),
        // JSON values whose objects keep their key order (RFC 8259), written as Python's json does.
        .target(name: "OrderedJSON"),
        // BaGPipe-compatible REST API: request models, validation, looking glass.
        .target(name: "BagpipeAPI", dependencies: ["HTTPServer", "NetAddress", "OrderedJSON", log]),
        // Config, wiring, lifecycle, sd_notify.
        .target(name: "BagpipeDaemon", dependencies: [
            "BGPSpeaker", "EVPN", "LinuxDataplane", "BagpipeAPI", "OrderedJSON", "HTTPServer", "EventLoop", log]),
        // CNI plugin: config, results, errors, IPAM delegation, the daemon's API as a client.
        .target(name: "CNIPlugin", dependencies: ["BagpipeAPI", "HTTPServer", "LinuxDataplane", "NetAddress", "OrderedJSON"]),

        .executableTarget(name: "bagpipe-bgp", dependencies: ["BagpipeDaemon", argumentParser, log]),
        .executableTarget(name: "bagpipe-bgp-cleanup", dependencies: ["BagpipeDaemon", argumentParser, log]),
        .executableTarget(name: "bagpipe-rest-attach", dependencies: ["BagpipeAPI", "OrderedJSON", "LinuxDataplane", argumentParser]),
        .executableTarget(name: "bagpipe-looking-glass", dependencies: ["BagpipeAPI", "OrderedJSON", argumentParser]),
        .executableTarget(name: "bgp-decode", dependencies: ["BGPWire", "OrderedJSON", argumentParser]),
        .executableTarget(name: "bagpipe-cni", dependencies: ["CNIPlugin"]),
        // libFuzzer entry points: build with scripts/fuzz (swift build --sanitize=fuzzer --product ...).
        .executableTarget(name: "FuzzBGPWire", dependencies: ["BGPWire"], exclude: ["Corpus", "make-corpus.py"]),
        .executableTarget(name: "FuzzHTTP", dependencies: ["HTTPServer", "BagpipeAPI", "OrderedJSON", log], exclude: ["Corpus"]),

        .testTarget(name: "NetAddressTests", dependencies: ["NetAddress"]),
        .testTarget(name: "BGPWireTests", dependencies: ["BGPWire"], resources: [.copy("Fixtures")]),
        .testTarget(name: "BGPSpeakerTests", dependencies: ["BGPSpeaker", "EventLoop", "BGPWire", "EVPN", "Dataplane", "TestSupport"]),
        .testTarget(name: "EventLoopTests", dependencies: ["EventLoop", "NetAddress"]),
        .testTarget(name: "DataplaneTests", dependencies: ["Dataplane", "LinuxDataplane", "TestSupport"]),
        .testTarget(name: "EVPNTests", dependencies: ["EVPN", "BGPWire", "Dataplane"]),
        // Helpers several test targets share (process sockets, ...).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "EventLoop", "TestSupport"]),
        .testTarget(name: "OrderedJSONTests", dependencies: ["OrderedJSON"]),
        .testTarget(name: "BagpipeAPITests", dependencies: ["BagpipeAPI", "OrderedJSON", "HTTPServer", "EventLoop", "TestSupport"]),
        .testTarget(name: "BagpipeDaemonTests", dependencies: ["BagpipeDaemon", "OrderedJSON", "BGPSpeaker", "BGPWire", "EVPN", "Dataplane", "TestSupport"]),
        .testTarget(name: "CNIPluginTests", dependencies: ["CNIPlugin", "OrderedJSON", "NetAddress", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
