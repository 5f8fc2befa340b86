// swift-tools-version:6.0
import PackageDescription

/// REST attach rate and latency over loopback (not part of CI).
/// Run: `swift run -c release --package-path Benchmarks/AttachBench AttachBench [attaches]`.
let package = Package(
    name: "AttachBench",
    dependencies: [.package(name: "swift-bagpipe", path: "../..")],
    targets: [
        .executableTarget(name: "AttachBench", dependencies: [
            .product(name: "BagpipeAPI", package: "swift-bagpipe"),
            .product(name: "HTTPServer", package: "swift-bagpipe"),
            .product(name: "NetAddress", package: "swift-bagpipe"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
