import OrderedJSON

/// A CNI spec version this plugin speaks (0.3.0 to 1.1.0: the rich result with `interfaces` and
/// `ips`, the oldest that Podman and Kubernetes runtimes still send).
public enum CNIVersion: String, CaseIterable, Comparable, Sendable {
    case v0_3_0 = "0.3.0"
    case v0_3_1 = "0.3.1"
    case v0_4_0 = "0.4.0"
    case v1_0_0 = "1.0.0"
    case v1_1_0 = "1.1.0"

    public static let latest = CNIVersion.v1_1_0

    public static func < (lhs: CNIVersion, rhs: CNIVersion) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The versions a command exists in: CHECK since 0.4.0, STATUS and GC since 1.1.0.
    static func minimum(for command: CNICommand) -> CNIVersion {
        switch command {
        case .add, .del, .version: .v0_3_0
        case .check: .v0_4_0
        case .status, .gc: .v1_1_0
        }
    }

    /// `cniVersion` of a config or request, or code 1 naming what is supported.
    static func parse(_ value: JSONValue?, field: String = "cniVersion") throws(CNIError) -> CNIVersion {
        guard let value else { throw CNIError.config(field, "missing") }
        guard let text = value.stringValue else { throw CNIError.config(field, "must be a string") }
        guard let version = CNIVersion(rawValue: text) else {
            throw CNIError(.incompatibleVersion, "incompatible CNI version \(text) in \(field)",
                           details: "bagpipe-cni supports " + allCases.map(\.rawValue).joined(separator: ", "))
        }
        return version
    }

    /// The VERSION answer, in the version the runtime asked with (the latest when it named none or
    /// one we do not speak): `{"cniVersion", "supportedVersions"}`.
    static func versionAnswer(request: JSONValue?) -> JSONValue {
        let asked = request?.objectValue?["cniVersion"]?.stringValue.flatMap(CNIVersion.init(rawValue:)) ?? .latest
        return ["cniVersion": .string(asked.rawValue), "supportedVersions": .array(allCases.map { .string($0.rawValue) })]
    }
}
