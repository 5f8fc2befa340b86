// swift-tools-version:6.0
import PackageDescription

/// FDB programming rate of LinuxVXLANDriver vs `bridge -batch` (not part of CI; needs root).
/// Run: `swift run -c release --package-path Benchmarks/FDBBench FDBBench [counts...]`.
let package = Package(
    name: "FDBBench",
    dependencies: [.package(name: "swift-bagpipe", path: "../..")],
    targets: [
        .executableTarget(name: "FDBBench", dependencies: [
            .product(name: "LinuxDataplane", package: "swift-bagpipe"),
            .product(name: "Dataplane", package: "swift-bagpipe"),
            .product(name: "NetAddress", package: "swift-bagpipe"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
