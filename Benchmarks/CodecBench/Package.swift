// swift-tools-version:6.1
import PackageDescription

/// Throughput and allocations of the BGPWire codec for EVPN type-2 routes (not part of the test run).
/// Run: `swift package --package-path Benchmarks/CodecBench benchmark` (see docs/wire.md).
let package = Package(
    name: "CodecBench",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "swift-bagpipe", path: "../.."),
        // MallocInterposer counts allocations without jemalloc (reference/swift-on-linux.md §5).
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "CodecBench",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BGPWire", package: "swift-bagpipe"),
                .product(name: "NetAddress", package: "swift-bagpipe"),
            ],
            path: "Benchmarks/CodecBench",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ],
    swiftLanguageModes: [.v6]
)
