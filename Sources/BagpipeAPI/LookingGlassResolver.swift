import OrderedJSON
/// A looking-glass path that leads nowhere; `message` is BaGPipe's (`NoSuchLookingGlassObject.__repr__`).
public struct LookingGlassNotFound: Error, Sendable, Equatable {
    /// The missing item, quoted as Python shows a `KeyError` when it was looked up inside a value.
    public let item: String
    /// The URL up to the object where the lookup failed.
    public let prefix: String

    public var message: String { "No such looking glass object: \(item) at \(prefix)" }
}

/// Walks a path through the tree the way BaGPipe's `get_looking_glass_info` does.
public enum LookingGlassResolver {
    public static func resolve(_ root: LookingGlassNode, path: [String],
                               context: LookingGlassContext) throws(LookingGlassNotFound) -> JSONValue {
        try resolve(root, path: path[...], prefix: context.baseURL)
    }

    private static func resolve(_ node: LookingGlassNode, path: ArraySlice<String>,
                                prefix: String) throws(LookingGlassNotFound) -> JSONValue {
        guard let first = path.first else { return render(node, prefix: prefix) }
        let rest = path.dropFirst()
        let firstPrefix = prefix + "/" + urlQuote(first)
        guard let entry = node[first] else {
            return try lookup(render(node, prefix: prefix), path: path, errorPrefix: firstPrefix)
        }
        switch entry {
        case .value(let value):
            return try lookup(value, path: rest, errorPrefix: firstPrefix)
        case .subtree(let compute):
            return try lookup(compute(), path: rest, errorPrefix: firstPrefix)
        case .node(let child):
            guard let child = child() else { throw LookingGlassNotFound(item: first, prefix: firstPrefix) }
            return try resolve(child, path: rest, prefix: firstPrefix)
        case .collection(let list, let member):
            guard let id = rest.first else {
                return .array(list().map { item in
                    var item = item
                    item["href"] = .string(firstPrefix + "/" + urlQuote(item["id"]?.pythonString ?? ""))
                    return .object(item)
                })
            }
            guard let child = member(id) else { throw LookingGlassNotFound(item: id, prefix: firstPrefix) }
            return try resolve(child, path: rest.dropFirst(), prefix: firstPrefix + "/" + urlQuote(id))
        }
    }

    /// The node itself: values inline, everything else as `{"href": ...}`.
    private static func render(_ node: LookingGlassNode, prefix: String) -> JSONValue {
        var object = JSONObject()
        for (name, entry) in node.entries {
            if case .value(let value) = entry {
                object[name] = value
            } else {
                object[name] = .object(["href": .string(prefix + "/" + urlQuote(name))])
            }
        }
        return .object(object)
    }

    /// Looks keys up inside a value (objects only, as Python's `_lookup_path`).
    private static func lookup(_ value: JSONValue, path: ArraySlice<String>,
                               errorPrefix: String) throws(LookingGlassNotFound) -> JSONValue {
        var current = value
        for key in path {
            guard let next = current.objectValue?[key] else {
                throw LookingGlassNotFound(item: pythonStringRepr(key), prefix: errorPrefix)
            }
            current = next
        }
        return current
    }
}
