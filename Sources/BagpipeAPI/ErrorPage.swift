import HTTPServer
import OrderedJSON

/// Error responses shaped as BaGPipe's (WebOb via pecan): plain text by default,
/// `{"code", "title", "description"}` when the client accepts JSON.
enum ErrorPage {
    static func response(_ status: HTTPStatus, detail: String, for request: HTTPRequest) -> HTTPResponse {
        if acceptsJSON(request) {
            let body: JSONValue = ["code": .int(Int64(status.code)), "title": .string(status.reasonPhrase),
                                   "description": .string(detail)]
            return HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: body.serializedBytes())
        }
        let text = "\(status)\n\n\(explanation(status, method: request.method))\n\n \(detail)  "
        return HTTPResponse(status: status, contentType: "text/plain; charset=UTF-8", body: text)
    }

    static func acceptsJSON(_ request: HTTPRequest) -> Bool {
        request.headers.tokens("Accept").contains { $0.hasPrefix("application/json") }
    }

    /// WebOb's explanation sentence for each status.
    static func explanation(_ status: HTTPStatus, method: String) -> String {
        switch status.code {
        case 400: "The server could not comply with the request since it is either malformed or otherwise incorrect."
        case 404: "The resource could not be found."
        case 405: "The method \(method) is not allowed for this resource."
        default: "The server has either erred or is incapable of performing the requested operation."
        }
    }
}
