import Glibc

/// Runs a program to completion with posix_spawn and waitpid: `input` on its standard input, its
/// standard output returned, its standard error shared with ours (runtimes log the plugin's).
///
/// Not Foundation's `Process`: on Linux its `waitUntilExit` waits through a CFSocket run-loop
/// source set up over loopback, and in a network namespace whose `lo` is down it never learns that
/// the child ended (the plugin hung with a zombie host-local). waitpid needs nothing of the kind.
/// The whole input is written before the output is read: a CNI plugin reads its config before it
/// answers, and the config is small (a pipe holds 64 KiB).
enum ChildProcess {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func run(_ executable: String, environment: [String: String], input: [UInt8]) throws(Failure) -> (status: Int32, output: [UInt8]) {
        var stdinPipe: [Int32] = [-1, -1], stdoutPipe: [Int32] = [-1, -1]
        guard pipe(&stdinPipe) == 0 else { throw failure("pipe") }
        guard pipe(&stdoutPipe) == 0 else {
            close(stdinPipe[0]); close(stdinPipe[1])
            throw failure("pipe")
        }
        // Only the dup2'ed copies reach the child.
        for fd in stdinPipe + stdoutPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        // The child starts with default signal handling (this process ignores SIGPIPE) and nothing
        // blocked, whatever mask this process inherited.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), unblocked = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigemptyset(&unblocked)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let arguments: [UnsafeMutablePointer<CChar>?] = [strdup(executable), nil]
        let variables: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (arguments + variables).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, arguments, variables)
        close(stdinPipe[0])
        close(stdoutPipe[1])
        guard spawned == 0 else {
            close(stdinPipe[1]); close(stdoutPipe[0])
            throw Failure(description: "cannot run \(executable): \(String(cString: strerror(spawned)))")
        }

        var written = 0
        while written < input.count {
            let count = input[written...].withUnsafeBytes { write(stdinPipe[1], $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }   // the child closed its input (EPIPE): its output tells why
            written += count
        }
        close(stdinPipe[1])
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(stdoutPipe[0], $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            output += chunk[..<count]
        }
        close(stdoutPipe[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw failure("waitpid \(executable)") }
        }
        // WIFEXITED / WEXITSTATUS; a signal becomes 128 + its number, as shells report it.
        let exitStatus = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return (exitStatus, output)
    }

    private static func failure(_ operation: String) -> Failure {
        Failure(description: "\(operation): \(String(cString: strerror(errno)))")
    }
}
