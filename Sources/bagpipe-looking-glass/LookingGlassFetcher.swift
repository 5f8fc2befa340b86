import BagpipeAPI
import HTTPServer
import OrderedJSON

/// GETs looking-glass URLs (`http://host:port/path`) and parses the JSON, keeping key order.
final class LookingGlassFetcher {
    enum Failure: Error {
        case status(Int, String)
        case unreachable(String)
        case invalid(String)
    }

    func get(_ url: String) throws(Failure) -> JSONValue {
        guard url.hasPrefix("http://") else { throw .invalid("not an http URL: \(url)") }
        let rest = url.dropFirst("http://".count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        let target = slash == rest.endIndex ? "/" : String(rest[slash...])
        let (host, port) = Self.split(authority)
        let response: HTTPClientResponse
        do {
            let client = try BlockingHTTPClient(host: host, port: port, timeout: 30)
            response = try client.request("GET", target, headers: ["Host": String(authority), "Accept": "application/json"])
        } catch {
            throw .unreachable("\(error)")
        }
        guard response.status.code == 200 else { throw .status(response.status.code, response.bodyText) }
        do {
            return try JSONValue(parsing: response.body)
        } catch {
            throw .invalid("\(url) did not return JSON: \(error)")
        }
    }

    /// `host:port` or `[v6]:port`; port 80 when absent.
    static func split(_ authority: Substring) -> (String, UInt16) {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            let host = String(authority[authority.index(after: authority.startIndex)..<close])
            let portText = authority[authority.index(after: close)...].drop { $0 == ":" }
            return (host, UInt16(portText) ?? 80)
        }
        if let colon = authority.lastIndex(of: ":") {
            return (String(authority[..<colon]), UInt16(authority[authority.index(after: colon)...]) ?? 80)
        }
        return (String(authority), 80)
    }
}
