import PushCore
/// Routes by exact path, then by longest path prefix, then to a fallback (static files).
/// Unchecked Sendable: routes are added before the loops start (thread creation orders those
/// writes before every loop's reads) and only read after.
public final class PathRouter: HTTPRouter, @unchecked Sendable {
    private var exact: [String: HTTPEndpoint] = [:]
    private var prefixes: [(String, HTTPEndpoint)] = []
    private let fallback: HTTPEndpoint

    public init(fallback: HTTPEndpoint) {
        self.fallback = fallback
    }

    /// Adds a route for one path. Configure before the server starts.
    public func route(_ path: String, to endpoint: HTTPEndpoint) {
        exact[path] = endpoint
    }

    /// Adds a route for every path under `prefix`.
    public func route(prefix: String, to endpoint: HTTPEndpoint) {
        prefixes.append((prefix, endpoint))
        prefixes.sort { $0.0.count > $1.0.count }
    }

    public func endpoint(for head: HTTPRequestHead) -> HTTPEndpoint {
        if let match = exact[head.path] { return match }
        for (prefix, endpoint) in prefixes where head.path.hasPrefix(prefix) { return endpoint }
        return fallback
    }
}

/// Answers every request with one fixed JSON document computed per request (`/health`).
public final class JSONStatusEndpoint: HTTPEndpoint, Sendable {
    private let document: @Sendable () -> String

    public init(_ document: @escaping @Sendable () -> String) {
        self.document = document
    }

    /// Bodies are read (and ignored) only so other methods get a clean 405.
    public func maxBodyBytes(for head: HTTPRequestHead) -> Int {
        head.method == .get || head.method == .head ? 0 : 64 << 10
    }

    public func handle(_ request: HTTPRequest, _ response: HTTPResponseWriter) {
        guard request.head.method == .get || request.head.method == .head else {
            response.respond(status: 405, headers: [("Allow", "GET, HEAD")], body: [])
            return
        }
        response.respond(status: 200, headers: [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
                         body: Array(document().utf8))
    }
}
