import OrderedJSON
/// Where looking-glass links point: `http://<Host header>/looking-glass`, as BaGPipe builds them.
public struct LookingGlassContext: Sendable, Equatable {
    /// E.g. `http://127.0.0.1:8082/looking-glass`.
    public let baseURL: String

    public init(baseURL: String) { self.baseURL = baseURL }

    /// The URL of a looking-glass path, each segment quoted.
    public func url(_ path: [String]) -> String {
        baseURL + path.map { "/" + urlQuote($0) }.joined()
    }

    /// `{"href": <url>}`, BaGPipe's way to point at another object (e.g. a route's `source`).
    public func link(_ path: [String]) -> JSONValue { .object(["href": .string(url(path))]) }
}

/// One object of the looking-glass tree: named entries in display order (BaGPipe's `LookingGlassMixin`).
///
/// The daemon builds nodes on demand for each request, on its event loop; closures run only when their
/// part of the tree is visited.
public struct LookingGlassNode {
    public var entries: [(name: String, entry: LookingGlassEntry)]

    public init(_ entries: [(name: String, entry: LookingGlassEntry)]) { self.entries = entries }

    public subscript(name: String) -> LookingGlassEntry? { entries.first { $0.name == name }?.entry }
}

/// What a node shows under a name.
public enum LookingGlassEntry {
    /// Shown inline; a longer path looks inside it (BaGPipe `VALUE`/`SUBITEM`).
    case value(JSONValue)
    /// Shown as a link; computed only when visited (BaGPipe `SUBTREE`).
    case subtree(() -> JSONValue)
    /// Shown as a link to another node (BaGPipe `DELEGATE`); nil when it vanished.
    case node(() -> LookingGlassNode?)
    /// Shown as a link; visiting it lists `[{"id", ..., "href"}]`, and `<name>/<id>` visits `member(id)`
    /// (BaGPipe `COLLECTION`). Every listed object must have a string `id`.
    case collection(list: () -> [JSONObject], member: (String) -> LookingGlassNode?)
}
