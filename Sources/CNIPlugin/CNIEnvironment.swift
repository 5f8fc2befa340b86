/// The operations a runtime asks for in `CNI_COMMAND` (CNI spec 1.1 "Parameters").
public enum CNICommand: String, Sendable {
    case add = "ADD", del = "DEL", check = "CHECK", status = "STATUS", gc = "GC", version = "VERSION"
}

/// The `CNI_*` environment variables of one invocation, validated for its command.
public struct CNIEnvironment: Equatable, Sendable {
    public var command: CNICommand
    /// `CNI_CONTAINERID` (ADD, DEL, CHECK).
    public var containerID: String
    /// `CNI_NETNS`: empty on a DEL after the namespace is gone.
    public var networkNamespace: String
    /// `CNI_IFNAME`: the interface to make inside the container.
    public var interfaceName: String
    /// `CNI_PATH`: where plugins (the IPAM one) are searched.
    public var pluginPath: [String]

    /// Reads the variables from `environment`; a missing or malformed one is error 4 naming it.
    public init(_ environment: [String: String]) throws(CNIError) {
        guard let commandText = environment["CNI_COMMAND"], !commandText.isEmpty else {
            throw CNIError.environment("CNI_COMMAND", "missing")
        }
        guard let command = CNICommand(rawValue: commandText) else {
            throw CNIError.environment("CNI_COMMAND", "unknown command \(commandText)")
        }
        self.command = command
        containerID = environment["CNI_CONTAINERID"] ?? ""
        networkNamespace = environment["CNI_NETNS"] ?? ""
        interfaceName = environment["CNI_IFNAME"] ?? ""
        pluginPath = (environment["CNI_PATH"] ?? "").split(separator: ":").map(String.init)
        guard [.add, .del, .check].contains(command) else { return }
        try Self.validateContainerID(containerID)
        try Self.validateInterfaceName(interfaceName)
        if command != .del && networkNamespace.isEmpty { throw CNIError.environment("CNI_NETNS", "missing") }
    }

    /// Non-empty, starts with a letter or digit, then letters, digits, `_`, `.`, `-` (spec "Parameters").
    static func validateContainerID(_ id: String, variable: String = "CNI_CONTAINERID") throws(CNIError) {
        guard let first = id.unicodeScalars.first else { throw CNIError.environment(variable, "missing") }
        let allowed = id.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0)) }
        guard allowed, first.isASCII, first.properties.isAlphabetic || ("0"..."9").contains(first) else {
            throw CNIError.environment(variable, "\(id) is not a container ID (a letter or digit, then letters, digits, '_', '.', '-')")
        }
    }

    /// A Linux interface name: 1–15 bytes, not `.` or `..`, no `/`, `:` or white space.
    static func validateInterfaceName(_ name: String, variable: String = "CNI_IFNAME") throws(CNIError) {
        guard !name.isEmpty else { throw CNIError.environment(variable, "missing") }
        guard name.utf8.count <= 15, name != ".", name != "..",
              !name.contains(where: { $0 == "/" || $0 == ":" || $0.isWhitespace }) else {
            throw CNIError.environment(variable, "\(name) is not an interface name (at most 15 bytes, no '/', ':' or spaces)")
        }
    }
}
