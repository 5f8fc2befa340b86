import OrderedJSON

/// A failure as the CNI spec reports it: `{"cniVersion", "code", "msg", "details"}` on standard
/// output and a non-zero exit (CNI spec 1.1 "Error"). `msg` names the field or variable at fault.
public struct CNIError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The spec's well-known codes (0–99) and this plugin's own (100+).
    public struct Code: RawRepresentable, Hashable, Sendable {
        public var rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        public static let incompatibleVersion = Code(rawValue: 1)
        public static let unknownContainer = Code(rawValue: 3)
        public static let invalidEnvironment = Code(rawValue: 4)
        public static let ioFailure = Code(rawValue: 5)
        public static let decodingFailure = Code(rawValue: 6)
        public static let invalidNetworkConfig = Code(rawValue: 7)
        public static let tryAgainLater = Code(rawValue: 11)
        /// STATUS: the plugin cannot serve ADD (here: the daemon does not answer).
        public static let pluginNotAvailable = Code(rawValue: 50)
        /// The bagpipe-bgp daemon refused an attach or detach (its answer is in `details`).
        public static let daemonRefused = Code(rawValue: 100)
        /// CHECK found the container's networking not as ADD left it.
        public static let checkFailed = Code(rawValue: 101)
    }

    public var code: Code
    public var message: String
    public var details: String?

    public init(_ code: Code, _ message: String, details: String? = nil) {
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String { "CNI error \(code.rawValue): \(message)" + (details.map { " (\($0))" } ?? "") }

    /// The error document for a runtime speaking `cniVersion`.
    public func json(cniVersion: String) -> JSONValue {
        var object: JSONObject = ["cniVersion": .string(cniVersion), "code": .int(Int64(code.rawValue)), "msg": .string(message)]
        if let details { object["details"] = .string(details) }
        return .object(object)
    }

    static func config(_ field: String, _ problem: String) -> CNIError {
        CNIError(.invalidNetworkConfig, "network config: \(field): \(problem)")
    }

    static func environment(_ variable: String, _ problem: String) -> CNIError {
        CNIError(.invalidEnvironment, "\(variable): \(problem)")
    }
}
