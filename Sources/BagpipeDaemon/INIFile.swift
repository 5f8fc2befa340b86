/// A parsed INI file as BaGPipe's config parsers read it (Python ConfigParser / oslo.config):
/// `[SECTION]` headers, `key = value` or `key: value`, `#` and `;` comment lines, indented
/// continuation lines appended to the previous value. Every entry remembers its line.
public struct INIFile: Sendable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: String
        public var line: Int
    }

    public struct Section: Sendable, Equatable {
        public var name: String
        public var line: Int
        public var entries: [Entry]

        /// The last value given for `key` (later lines win, as in ConfigParser).
        public func entry(_ key: String) -> Entry? { entries.last { $0.key == key } }
    }

    public var path: String
    public var sections: [Section]

    public func section(_ name: String) -> Section? { sections.first { $0.name == name } }

    /// Parses `text`; `path` is used in error messages only.
    public init(parsing text: String, path: String) throws(ConfigurationError) {
        self.path = path
        var sections: [Section] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            if let first = line.first, first == " " || first == "\t" {
                guard var section = sections.popLast(), var last = section.entries.popLast() else {
                    throw ConfigurationError(path: path, line: lineNumber, key: nil,
                                             message: "continuation line without a key before it")
                }
                last.value += (last.value.isEmpty ? "" : "\n") + trimmed
                section.entries.append(last)
                sections.append(section)
                continue
            }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]"), trimmed.count > 2 else {
                    throw ConfigurationError(path: path, line: lineNumber, key: nil,
                                             message: "malformed section header \(trimmed)")
                }
                let name = String(trimmed.dropFirst().dropLast()).trimmingWhitespace()
                sections.append(Section(name: name, line: lineNumber, entries: []))
                continue
            }
            guard let separator = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw ConfigurationError(path: path, line: lineNumber, key: nil,
                                         message: "expected 'key = value', found \(trimmed)")
            }
            let key = String(trimmed[..<separator]).trimmingWhitespace()
            var value = String(trimmed[trimmed.index(after: separator)...]).trimmingWhitespace()
            if let comment = value.firstRange(of: " #") ?? value.firstRange(of: " ;") {
                value = String(value[..<comment.lowerBound]).trimmingWhitespace()
            }
            guard !key.isEmpty else {
                throw ConfigurationError(path: path, line: lineNumber, key: nil, message: "empty key")
            }
            guard !sections.isEmpty else {
                throw ConfigurationError(path: path, line: lineNumber, key: key,
                                         message: "key outside of any [SECTION]")
            }
            sections[sections.count - 1].entries.append(Entry(key: key, value: value, line: lineNumber))
        }
        self.sections = sections
    }
}

/// A configuration problem, named by file, line and key.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var key: String?
    public var message: String

    public init(path: String, line: Int?, key: String?, message: String) {
        self.path = path
        self.line = line
        self.key = key
        self.message = message
    }

    /// `bgp.conf:12: my_as: must be an integer from 1 to 4294967295`
    public var description: String {
        var text = path
        if let line { text += ":\(line)" }
        if let key { text += ": \(key)" }
        return text + ": " + message
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
