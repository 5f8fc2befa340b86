import OrderedJSON

/// The `bagpipe-cni` plugin (CNI spec 1.1): plugs containers into EVPN instances of the local
/// bagpipe-bgp daemon. `run` is the whole program: the runtime's environment and standard input
/// in, what to print on standard output and the exit status out.
public enum BagpipeCNI {
    public static func run(environment: [String: String], input: [UInt8]) -> (output: String, status: Int32) {
        var errorVersion = CNIVersion.latest.rawValue
        do throws(CNIError) {
            let invocation = try CNIEnvironment(environment)
            if invocation.command == .version {
                return (CNIVersion.versionAnswer(request: try? JSONValue(parsing: input)).serialized(.compact), 0)
            }
            if let asked = (try? JSONValue(parsing: input))?.objectValue?["cniVersion"]?.stringValue { errorVersion = asked }
            let config = try NetworkConfig(bytes: input)
            let minimum = CNIVersion.minimum(for: invocation.command)
            guard config.cniVersion >= minimum else {
                throw CNIError(.incompatibleVersion, "cniVersion: \(invocation.command.rawValue) needs \(minimum.rawValue) or later, "
                               + "the network config has \(config.cniVersion.rawValue)")
            }
            let command = CNICommandRunner(environment: invocation, variables: environment, config: config)
            switch invocation.command {
            case .add: return (try command.add().serialized(.compact), 0)
            case .del: try command.delete()
            case .check: try command.check()
            case .status: try command.status()
            case .gc: try command.collectGarbage()
            case .version: break
            }
            return ("", 0)
        } catch {
            return (error.json(cniVersion: errorVersion).serialized(.compact), 1)
        }
    }
}
