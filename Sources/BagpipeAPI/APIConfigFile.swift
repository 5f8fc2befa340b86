import Foundation

/// Where the command-line tools find the REST API: `[API] port` (or the deprecated `api_port`) of
/// bagpipe-bgp's INI configuration, as BaGPipe's tools read it.
public enum APIConfigFile {
    public static let defaultPath = "/etc/bagpipe-bgp/bgp.conf"
    public static let defaultPort: UInt16 = 8082

    /// The configured port, or nil when the file or the key is missing.
    public static func port(fromConfigFile path: String) -> UInt16? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        var section = ""
        var port: UInt16?
        var deprecatedPort: UInt16?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                continue
            }
            guard section == "API", let separator = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            let key = line[..<separator].trimmingCharacters(in: .whitespaces)
            let value = UInt16(line[line.index(after: separator)...].trimmingCharacters(in: .whitespaces))
            if key == "port" { port = value ?? port }
            if key == "api_port" { deprecatedPort = value ?? deprecatedPort }
        }
        return port ?? deprecatedPort
    }
}
