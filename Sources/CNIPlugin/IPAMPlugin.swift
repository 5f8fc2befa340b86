import Foundation
import OrderedJSON

/// The IPAM plugin named by `ipam.type`, found on `CNI_PATH` and run with the network configuration
/// on standard input and the invocation's environment, `CNI_COMMAND` set to the delegated command
/// (CNI spec 1.1 "Delegated plugins (IPAM)").
///
/// The configuration goes with its own `cniVersion` when the plugin speaks it; otherwise with the
/// newest version both speak (Debian 12's host-local stops at 1.0.0, so a 1.1.0 network's STATUS,
/// GC and DEL still reach it). Results of any version from 0.3.0 are read.
struct IPAMPlugin {
    let type: String
    let executable: String

    /// Finds `type` in the directories of `searchPath`; error 7 names `ipam.type` and the path.
    init(type: String, searchPath: [String]) throws(CNIError) {
        self.type = type
        guard let found = searchPath.map({ "\($0)/\(type)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw CNIError.config("ipam.type", "no plugin \(type) in CNI_PATH (\(searchPath.joined(separator: ":")))")
        }
        executable = found
    }

    /// Runs `command` and returns what it printed, parsed (nil when it printed nothing). A CNI
    /// error from the plugin is passed on as it is; `overrides` replace environment variables.
    @discardableResult
    func run(_ command: CNICommand, config: NetworkConfig, environment: [String: String],
             overrides: [String: String] = [:]) throws(CNIError) -> JSONValue? {
        var json = config.json
        let version = try versionToSpeak(config.cniVersion, environment: environment)
        if version != config.cniVersion { json["cniVersion"] = .string(version.rawValue) }
        var variables = environment.merging(overrides) { $1 }
        variables["CNI_COMMAND"] = command.rawValue
        let (status, output) = try execute(variables, input: JSONValue.object(json).serializedBytes(.compact))
        let text = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let parsed = text.isEmpty ? nil : try? JSONValue(parsing: text)
        guard status == 0 else {
            if let error = parsed?.objectValue, let code = error["code"]?.intValue, let message = error["msg"]?.stringValue {
                throw CNIError(CNIError.Code(rawValue: Int(code)), message, details: error["details"]?.stringValue)
            }
            throw CNIError(.ioFailure, "ipam: \(type) \(command.rawValue) exited with status \(status) without a CNI error",
                           details: String(text.prefix(500)))
        }
        if parsed == nil && !text.isEmpty {
            throw CNIError(.decodingFailure, "ipam: \(type) \(command.rawValue) printed something that is not JSON",
                           details: String(text.prefix(500)))
        }
        return parsed
    }

    /// ADD: the addresses, routes and DNS the plugin allocated.
    func add(config: NetworkConfig, environment: [String: String]) throws(CNIError) -> CNIResult {
        guard let output = try run(.add, config: config, environment: environment) else {
            throw CNIError(.decodingFailure, "ipam: \(type) ADD printed no result")
        }
        return try CNIResult(json: output, field: "ipam result")
    }

    /// The versions the plugin answers VERSION with.
    func supportedVersions(environment: [String: String]) throws(CNIError) -> [String] {
        var variables = environment
        variables["CNI_COMMAND"] = CNICommand.version.rawValue
        let (status, output) = try execute(variables, input: Array(#"{"cniVersion":"\#(CNIVersion.latest.rawValue)"}"#.utf8))
        guard status == 0, let answer = (try? JSONValue(parsing: output))?.objectValue,
              let versions = answer["supportedVersions"]?.arrayValue?.compactMap(\.stringValue) else {
            throw CNIError(.ioFailure, "ipam: \(type) VERSION gave no supportedVersions (exit status \(status))")
        }
        return versions
    }

    /// `wanted` if the plugin speaks it, else the newest older version it speaks; error 1 if none.
    func versionToSpeak(_ wanted: CNIVersion, environment: [String: String]) throws(CNIError) -> CNIVersion {
        let spoken = Set(try supportedVersions(environment: environment))
        guard let version = CNIVersion.allCases.filter({ $0 <= wanted && spoken.contains($0.rawValue) }).last else {
            throw CNIError(.incompatibleVersion, "ipam: \(type) speaks no CNI version between 0.3.0 and \(wanted.rawValue)",
                           details: "it supports " + spoken.sorted().joined(separator: ", "))
        }
        return version
    }

    /// Runs the plugin to completion (`ChildProcess`).
    private func execute(_ environment: [String: String], input: [UInt8]) throws(CNIError) -> (Int32, [UInt8]) {
        do {
            return try ChildProcess.run(executable, environment: environment, input: input)
        } catch {
            throw CNIError(.ioFailure, "ipam: \(error)")
        }
    }
}
