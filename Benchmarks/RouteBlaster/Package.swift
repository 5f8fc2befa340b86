// swift-tools-version:6.0
import PackageDescription

/// The route blaster of docs/performance.md: opens one BGP session and sends pre-encoded EVPN
/// type-2 routes as fast as TCP allows, then withdraws them, timing the receiver through its own
/// API. Not part of CI; `scripts/bench` builds and runs it (release).
let package = Package(
    name: "RouteBlaster",
    dependencies: [
        .package(name: "swift-bagpipe", path: "../.."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .executableTarget(name: "RouteBlaster", dependencies: [
            .product(name: "BGPWire", package: "swift-bagpipe"),
            .product(name: "NetAddress", package: "swift-bagpipe"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "RouteBlasterTests", dependencies: ["RouteBlaster",
            .product(name: "BGPWire", package: "swift-bagpipe")]),
    ],
    swiftLanguageModes: [.v6]
)
