/// Maps a request's path and method to a handler; unknown paths get 404, known paths with another method
/// get 405 with `Allow` (RFC 9110 §15.5.6). A `GET` route also answers `HEAD`.
public struct HTTPRouter {
    public typealias Handler = (HTTPRequest) -> HTTPResponse
    /// Builds the 404/405 responses; `allow` is empty for 404.
    public typealias ErrorResponder = (_ request: HTTPRequest, _ status: HTTPStatus, _ allow: [String]) -> HTTPResponse

    public enum PathPattern: Sendable, Equatable {
        /// Exactly this path (a trailing slash is ignored).
        case exact(String)
        /// This path and everything below it.
        case subtree(String)

        func matches(_ path: String) -> Bool {
            switch self {
            case .exact(let wanted): return path == wanted
            case .subtree(let root): return path == root || path.hasPrefix(root == "/" ? "/" : root + "/")
            }
        }
    }

    /// Matches any method not given its own handler on the same pattern.
    public static let anyMethod = "*"

    private var routes: [(pattern: PathPattern, handlers: [String: Handler])] = []
    private let errorResponder: ErrorResponder

    public init(errorResponder: @escaping ErrorResponder = { _, status, allow in
        var response = HTTPResponse.plainText(status, status.code == 404 ? "The resource could not be found." : "")
        if !allow.isEmpty { response.headers.set("Allow", allow.joined(separator: ", ")) }
        return response
    }) {
        self.errorResponder = errorResponder
    }

    public mutating func add(_ method: String, _ pattern: PathPattern, _ handler: @escaping Handler) {
        if let index = routes.firstIndex(where: { $0.pattern == pattern }) {
            routes[index].handlers[method] = handler
        } else {
            routes.append((pattern, [method: handler]))
        }
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        var path = request.path
        if path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        guard let route = routes.first(where: { $0.pattern.matches(path) }) else {
            return errorResponder(request, .notFound, [])
        }
        let method = request.method == "HEAD" && route.handlers["HEAD"] == nil ? "GET" : request.method
        if let handler = route.handlers[method] ?? route.handlers[Self.anyMethod] {
            return handler(request)
        }
        var allow = route.handlers.keys.sorted()
        if allow.contains("GET") && !allow.contains("HEAD") { allow.append("HEAD") }
        return errorResponder(request, .methodNotAllowed, allow.sorted())
    }
}
