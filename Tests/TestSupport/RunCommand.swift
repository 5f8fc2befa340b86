import Dispatch
import Foundation

/// What a program printed and how it ended.
public struct CommandResult: Sendable {
    public var status: Int32
    public var output: String
    public var error: String
}

/// Runs `executable` with `arguments` to completion (no shell), feeding it `input` if given.
/// Standard error is read on another thread while standard output is read here, so a program
/// that fills one pipe while the other is being drained cannot deadlock.
public func runCommand(_ arguments: [String], executable: String = "/usr/bin/env", input: [UInt8]? = nil) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe(), error = Pipe(), stdin = Pipe()
    process.standardOutput = output
    process.standardError = error
    process.standardInput = input == nil ? FileHandle.nullDevice : stdin
    try process.run()
    if let input {
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
    }
    let errorData = ErrorBytes()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errorData.data = error.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                         error: String(decoding: errorData.data, as: UTF8.self))
}

/// Standard error, handed from the reading thread to the caller (the group orders the accesses).
private final class ErrorBytes: @unchecked Sendable {
    var data = Data()
}
