import Foundation

/// The network namespace of a running container, found through its runtime's `inspect` command
/// (`podman` or `docker`): the runtime's `NetworkSettings.SandboxKey` (a namespace file such as
/// `/run/netns/cni-…` or `/var/run/docker/netns/…`) when it names one, else `/proc/<State.Pid>/ns/net`.
enum ContainerNamespace {
    /// The runtime to ask when none is given: podman if it is on the PATH, else docker.
    static func defaultRuntime() -> String {
        executableOnPath("podman") != nil || executableOnPath("docker") == nil ? "podman" : "docker"
    }

    static func path(of container: String, runtime: String) throws -> String {
        let sandbox = try inspect(container, format: "{{.NetworkSettings.SandboxKey}}", runtime: runtime)
        if !sandbox.isEmpty, FileManager.default.fileExists(atPath: sandbox) { return sandbox }
        let pidText = try inspect(container, format: "{{.State.Pid}}", runtime: runtime)
        guard let pid = Int32(pidText), pid > 0 else {
            throw CommandFailure("container \(container) is not running (\(runtime) inspect gives no namespace and PID \(pidText))")
        }
        return "/proc/\(pid)/ns/net"
    }

    private static func inspect(_ container: String, format: String, runtime: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [runtime, "inspect", "--format", format, container]
        let output = Pipe()
        process.standardOutput = output   // its complaints go to our standard error as they are
        do {
            try process.run()
        } catch {
            throw CommandFailure("cannot run \(runtime): \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CommandFailure("\(runtime) inspect \(container) failed (exit status \(process.terminationStatus))")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func executableOnPath(_ name: String) -> String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
