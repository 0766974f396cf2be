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
        /// The path's bytes, allocated once and freed with the router. Every request on every
        /// loop compares them, and an array would have its reference counted for each compare:
        /// a write to a cache line all the loops share.
        let path: UnsafeBufferPointer<UInt8>
        let endpoint: HTTPEndpointBox

        init(_ path: String, _ endpoint: HTTPEndpoint) {
            let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, path.utf8.count))
            let count = bytes.initialize(fromContentsOf: path.utf8)
            self.path = UnsafeBufferPointer(rebasing: bytes[..<count])
            self.endpoint = HTTPEndpointBox(endpoint)
        }

        func free() { path.deallocate() }
    }

    // Written only before the loops start (see above), so reads skip the runtime's
    // exclusivity checks: two per request.
    @exclusivity(unchecked) private var exact: [Route] = []
    /// Longest first, so the longest prefix that matches wins.
    @exclusivity(unchecked) private var prefixes: [Route] = []
    private let fallback: HTTPEndpointBox
    /// Endpoints of replaced routes, kept: routes handed out lend them uncounted.
    private var replaced: [HTTPEndpointBox] = []

    public init(fallback: HTTPEndpoint) {
        self.fallback = HTTPEndpointBox(fallback)
    }

    deinit {
        for route in exact { route.free() }
        for route in prefixes { route.free() }
    }

    /// Adds a route for one path, replacing an earlier one for it. Configure before the server starts.
    public func route(_ path: String, to endpoint: HTTPEndpoint) {
        if let index = exact.firstIndex(where: { $0.path.elementsEqual(path.utf8) }) {
            let old = exact.remove(at: index)
            old.free()
            // A connection may hold a route to it still.
            replaced.append(old.endpoint)
        }
        exact.append(Route(path, endpoint))
    }

    /// Adds a route for every path under `prefix`.
    public func route(prefix: String, to endpoint: HTTPEndpoint) {
        prefixes.append(Route(prefix, endpoint))
        prefixes.sort { $0.path.count > $1.path.count }
    }

    public func endpoint(for head: HTTPRequestHead) -> HTTPEndpoint {
        route(for: head).endpoint
    }

    /// Uncounted: the router keeps every endpoint it was given for its whole life (a replaced
    /// route's too, in `replaced`).
    public func route(for head: HTTPRequestHead) -> HTTPRoute {
        // The stdlib's own `withUTF8`, specialized here (a native path is read in place).
        var path = head.path
        return path.withUTF8 { path in
            // By index: a for-in loop asked the runtime for the iterator's metadata each time.
            for index in exact.indices where exact[index].path.count == path.count && Self.starts(path, with: exact[index].path) {
                return HTTPRoute(lent: exact[index].endpoint)
            }
            for index in prefixes.indices where prefixes[index].path.count <= path.count && Self.starts(path, with: prefixes[index].path) {
                return HTTPRoute(lent: prefixes[index].endpoint)
            }
            return HTTPRoute(lent: fallback)
        }
    }

    private static func starts(_ path: UnsafeBufferPointer<UInt8>, with prefix: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let start = prefix.baseAddress, let base = path.baseAddress, !prefix.isEmpty else { return prefix.isEmpty }
        return memcmp(base, start, prefix.count) == 0
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
