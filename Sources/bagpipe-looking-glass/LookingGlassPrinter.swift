import BagpipeAPI
import OrderedJSON

/// BaGPipe's `pretty_print_recurse` (cli/looking_glass.py), rewritten: the same layout, so scripts that read
/// `bagpipe-looking-glass` output keep working. Links print as ` (...)`, or are fetched and printed in place
/// with `recurse` when they point below the object being printed (BaGPipe also follows a link to the object
/// itself, which never ends).
struct LookingGlassPrinter {
    let fetcher: LookingGlassFetcher
    let recurse: Bool
    private(set) var output = ""

    init(fetcher: LookingGlassFetcher, recurse: Bool) {
        self.fetcher = fetcher
        self.recurse = recurse
    }

    /// Prints `data` whose key (if any) is already written; ends at the start of a line.
    mutating func print(_ data: JSONValue, indent: Int, url: String, alreadyOnNewLine: Bool = false) {
        switch data {
        case .object(var object):
            var onNewLine = alreadyOnNewLine
            if let id = object["id"], object["href"] != nil {
                output += id.pythonString
                object["id"] = nil
            }
            let isLink = object["href"] != nil
            if let target = object["href"]?.stringValue {
                // Only links strictly below the current URL, so a link back to an object does not loop.
                if recurse && target.hasPrefix(url) && target.count > url.count {
                    do throws(LookingGlassFetcher.Failure) {
                        let child = try fetcher.get(target)
                        print(child, indent: indent + 2, url: target)
                    } catch .status(let code, _) {
                        output += " (ERROR \(code))\n"
                    } catch {
                        output += " (ERROR)\n"
                    }
                    return
                }
                object["href"] = nil
                output += " (...)"
                onNewLine = false
            }
            guard object.count > 0 else {
                output += isLink ? "\n" : "-\n"
                return
            }
            if !onNewLine { output += "\n" }
            for (position, (key, value)) in object.enumerated() {
                if position > 0 || !onNewLine { output += String(repeating: " ", count: indent) }
                output += "\(key): "
                print(value, indent: indent + 2, url: url)
            }
        case .array(let elements):
            guard !elements.isEmpty else {
                output += "-\n"
                return
            }
            if !alreadyOnNewLine { output += "\n" }
            for element in elements {
                output += String(repeating: " ", count: indent) + "* "
                switch element {
                case .object, .array: print(element, indent: indent + 2, url: url, alreadyOnNewLine: true)
                default: output += element.pythonString + "\n"
                }
            }
        default:
            var text = data.pythonString
            if case .string = data, text.contains("\n") {
                let padding = String(repeating: " ", count: indent)
                text = text.trimmingNewlines().replacingNewlines(with: "\n" + padding)
                output += "\n" + padding
            }
            output += text + "\n"
        }
    }
}

private extension String {
    func trimmingNewlines() -> String {
        var scalars = Substring(self)
        while scalars.first == "\n" { scalars.removeFirst() }
        while scalars.last == "\n" { scalars.removeLast() }
        return String(scalars)
    }

    func replacingNewlines(with replacement: String) -> String {
        split(separator: "\n", omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
