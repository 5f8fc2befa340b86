import Glibc
import OrderedJSON

/// The `bagpipe-cni` plugin (CNI spec 1.1): plugs containers into EVPN instances of the local
/// bagpipe-bgp daemon. `run` is the whole program: the runtime's environment and standard input
/// in, what to print on standard output and the exit status out.
public enum BagpipeCNI {
    /// The limit on the network config read from standard input (a real one is a few KiB).
    static let maximumInput = 1 << 20

    /// The process: standard input and the environment in, standard output and exit status out.
    public static func main() -> Never {
        signal(SIGPIPE, SIG_IGN)   // a closed pipe is an error to report, not a reason to die
        var input: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while input.count <= maximumInput {
            let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            input += chunk[..<count]
        }
        var environment: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") { environment[String(text[..<equals])] = String(text[text.index(after: equals)...]) }
            entry += 1
        }
        let (output, status) = run(environment: environment, input: input)
        let bytes = Array(output.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            written += count
        }
        exit(status)
    }

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
