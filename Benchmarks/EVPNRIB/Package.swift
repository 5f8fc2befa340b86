// swift-tools-version:6.0
import PackageDescription

/// Scale benchmark of the EVPN RIB: memory per route and import cost against the number of
/// instances. Run: `swift run -c release --package-path Benchmarks/EVPNRIB` (see docs/evpn.md).
let package = Package(
    name: "EVPNRIBBenchmark",
    dependencies: [
        .package(name: "swift-bagpipe", path: "../.."),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(name: "EVPNRIBBenchmark", dependencies: [
            .product(name: "EVPN", package: "swift-bagpipe"),
            .product(name: "BGPWire", package: "swift-bagpipe"),
            .product(name: "Dataplane", package: "swift-bagpipe"),
            .product(name: "NetAddress", package: "swift-bagpipe"),
            .product(name: "Logging", package: "swift-log"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
