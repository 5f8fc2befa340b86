import ArgumentParser
import BagpipeAPI
import Foundation
import HTTPServer
import OrderedJSON

/// `bagpipe-looking-glass`: browses the daemon's looking glass (bagpipe.md §4, §8), printing it as BaGPipe's
/// tool does: `key: value` lines, `* ` list items, `(...)` for links (followed with `-r`), bare scalars.
@main
struct LookingGlassCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bagpipe-looking-glass",
        abstract: "Show an object of the bagpipe-bgp looking glass.",
        usage: "bagpipe-looking-glass [--server <ip>] [--port <port>] [-r] <path to object in looking-glass>",
        discussion: "e.g.: bagpipe-looking-glass vpns instances; bagpipe-looking-glass summary vpn_instances_count")

    @Option(help: "IP address of bagpipe-bgp") var server = "127.0.0.1"
    @Option(help: "port of bagpipe-bgp (default: [API] port of --config-file, else 8082)") var port: UInt16?
    @Option(help: "looking-glass URL prefix") var prefix = "looking-glass"
    @Flag(name: [.short, .long], help: "recurse down into the whole looking glass below the path") var recurse = false
    @Option(name: .customLong("config-file"), help: "bagpipe-bgp configuration to read the API port from")
    var configFile = APIConfigFile.defaultPath
    @Argument(help: "path to the object, one segment per argument") var path: [String] = []

    func run() throws {
        let apiPort = port ?? APIConfigFile.port(fromConfigFile: configFile) ?? APIConfigFile.defaultPort
        let quoted = path.map(urlQuote)
        let url = "http://\(server):\(apiPort)/\(prefix)/\(quoted.joined(separator: "/"))"
        let fetcher = LookingGlassFetcher()
        let data: JSONValue
        do throws(LookingGlassFetcher.Failure) {
            data = try fetcher.get(url)
        } catch {
            reportFailure(error, url: url, quotedPath: quoted, port: apiPort)
            throw ExitCode.failure
        }
        var printer = LookingGlassPrinter(fetcher: fetcher, recurse: recurse)
        if let href = data.objectValue?["href"]?.stringValue, let linked = try? fetcher.get(href) {
            printer.print(linked, indent: 0, url: href, alreadyOnNewLine: true)
        } else {
            printer.print(data, indent: 0, url: url, alreadyOnNewLine: true)
        }
        Swift.print(printer.output, terminator: "")
    }

    private func reportFailure(_ failure: LookingGlassFetcher.Failure, url: String, quotedPath: [String], port: UInt16) {
        switch failure {
        case .status(404, _): Swift.print("No such looking glass path: \(quotedPath.joined(separator: " "))\n(\(url))")
        case .status(let code, let body): Swift.print("Error code \(code): \(body)")
        case .unreachable(let reason): Swift.print("No server at http://\(server):\(port) : \(reason)")
        case .invalid(let reason): Swift.print(reason)
        }
    }
}
