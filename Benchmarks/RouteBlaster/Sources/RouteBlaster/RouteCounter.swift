import Foundation

/// Reads how many of the blasted routes a receiver holds, through the receiver's own interface.
protocol RouteCounter: Sendable {
    func count() throws -> Int
    /// The count and, for counters that follow events, when it last changed (monotonic seconds).
    func countWithTime() throws -> (Int, Double?)
    /// How often notifications were lost and the count re-seeded (event-following counters only).
    var overflows: Int? { get }
}

extension RouteCounter {
    func countWithTime() throws -> (Int, Double?) { (try count(), nil) }
    var overflows: Int? { nil }
}

/// Runs a shell command (`gobgp … rib summary`, `vtysh … json | jq …`) and takes the last integer
/// it prints.
struct CommandCounter: RouteCounter {
    var command: String

    func count() throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let numbers = text.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        guard let last = numbers.last else { throw BlasterError.protocolError("no number in the output of: \(command)") }
        return last
    }
}

/// GETs a JSON document over HTTP/1.0 (our looking glass) and reads an integer at a dotted key path
/// such as `route_counts.received_routes_count`.
struct HTTPJSONCounter: RouteCounter {
    var host: String
    var port: UInt16
    var path: String
    var keyPath: [String]

    /// `url` is `http://HOST:PORT/PATH`.
    init(url: String, keyPath: String) throws(BlasterError) {
        guard let components = URLComponents(string: url), components.scheme == "http", let host = components.host else {
            throw .usage("--count-http needs http://HOST:PORT/PATH, not \(url)")
        }
        self.host = host
        port = UInt16(components.port ?? 80)
        path = components.path.isEmpty ? "/" : components.path
        self.keyPath = keyPath.split(separator: ".").map(String.init)
    }

    func count() throws -> Int {
        let body = try HTTPGet.fetch(host: host, port: port, path: path)
        var value: Any = try JSONSerialization.jsonObject(with: Data(body))
        for key in keyPath {
            guard let object = value as? [String: Any], let next = object[key] else {
                throw BlasterError.protocolError("no \(keyPath.joined(separator: ".")) in the JSON of \(path)")
            }
            value = next
        }
        guard let number = value as? NSNumber else { throw BlasterError.protocolError("\(keyPath) is not a number") }
        return number.intValue
    }
}
