import Glibc
import PushCore

/// Routes by exact path, then by longest path prefix, then to a fallback (static files).
/// Paths are matched on their bytes, by length first: a server has a handful of routes, and
/// scanning them costs a tenth of hashing the path and comparing it as a String, what a
/// dictionary and `hasPrefix` cost every request.
/// Unchecked Sendable: routes are added before the loops start (thread creation orders those
/// writes before every loop's reads) and only read after.
public final class PathRouter: HTTPRouter, @unchecked Sendable {
    private struct Route {
        let path: [UInt8]
        let endpoint: HTTPEndpoint
    }

    // Written only before the loops start (see above), so reads skip the runtime's
    // exclusivity checks: two per request.
    @exclusivity(unchecked) private var exact: [Route] = []
    /// Longest first, so the longest prefix that matches wins.
    @exclusivity(unchecked) private var prefixes: [Route] = []
    private let fallback: HTTPEndpoint

    public init(fallback: HTTPEndpoint) {
        self.fallback = fallback
    }

    /// Adds a route for one path, replacing an earlier one for it. Configure before the server starts.
    public func route(_ path: String, to endpoint: HTTPEndpoint) {
        let bytes = Array(path.utf8)
        exact.removeAll { $0.path == bytes }
        exact.append(Route(path: bytes, endpoint: endpoint))
    }

    /// Adds a route for every path under `prefix`.
    public func route(prefix: String, to endpoint: HTTPEndpoint) {
        prefixes.append(Route(path: Array(prefix.utf8), endpoint: endpoint))
        prefixes.sort { $0.path.count > $1.path.count }
    }

    public func endpoint(for head: HTTPRequestHead) -> HTTPEndpoint {
        // The stdlib's own `withUTF8`, specialized here (a native path is read in place).
        var path = head.path
        return path.withUTF8 { path in
            // By index: a for-in loop asked the runtime for the iterator's metadata each time.
            for index in exact.indices where exact[index].path.count == path.count && Self.starts(path, with: exact[index].path) {
                return exact[index].endpoint
            }
            for index in prefixes.indices where prefixes[index].path.count <= path.count && Self.starts(path, with: prefixes[index].path) {
                return prefixes[index].endpoint
            }
            return fallback
        }
    }

    private static func starts(_ path: UnsafeBufferPointer<UInt8>, with prefix: [UInt8]) -> Bool {
        prefix.withUnsafeBufferPointer { prefix in
            guard let start = prefix.baseAddress, let base = path.baseAddress else { return prefix.isEmpty }
            return memcmp(base, start, prefix.count) == 0
        }
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
