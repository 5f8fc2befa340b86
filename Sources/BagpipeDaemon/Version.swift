/// The release of swift-bagpipe, reported by `--version` and the looking glass.
public let swiftBagpipeVersion = "0.1.0"
