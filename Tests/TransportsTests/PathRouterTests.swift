import PushCore
@testable import Transports
import XCTest

final class PathRouterTests: XCTestCase {
    private let fallback = NotFoundEndpoint()
    private let engine = NotFoundEndpoint()
    private let health = NotFoundEndpoint()
    private let api = NotFoundEndpoint()
    private let apiAdmin = NotFoundEndpoint()

    private func head(_ path: String) -> HTTPRequestHead {
        HTTPRequestHead(method: .get, target: path, path: path, query: "", versionMinor: 1, headers: HTTPHeaders(),
                        keepAlive: true, expectsContinue: false, upgrade: nil, body: .none)
    }

    private func router() -> PathRouter {
        let router = PathRouter(fallback: fallback)
        router.route(prefix: "/api/", to: api)
        router.route("/health", to: health)
        router.route(prefix: "/socket.io/", to: engine)
        router.route("/socket.io", to: engine)
        router.route(prefix: "/api/admin/", to: apiAdmin)
        return router
    }

    func testExactPathsThenLongestPrefixThenFallback() {
        let router = router()
        let cases: [(String, HTTPEndpoint)] = [
            ("/health", health), ("/health/", fallback), ("/healt", fallback), ("/healthz", fallback),
            ("/socket.io", engine), ("/socket.io/", engine), ("/socket.io/x?y", engine), ("/socket.i", fallback),
            ("/api/", api), ("/api/emit", api), ("/api", fallback), ("/api/admin/", apiAdmin), ("/api/admin", api),
            ("/api/admin/x", apiAdmin), ("/", fallback), ("", fallback), ("/HEALTH", fallback),
            ("/api/\u{E9}t\u{E9}", api), ("/socket.io/\u{301}", engine),
        ]
        for (path, expected) in cases {
            XCTAssertTrue(router.endpoint(for: head(path)) === expected, "\(path)")
        }
    }

    func testAnExactRouteAddedAgainReplacesTheFirst() {
        let router = router()
        router.route("/health", to: api)
        XCTAssertTrue(router.endpoint(for: head("/health")) === api)
    }

    func testPathsMatchOnTheirBytes() {
        let router = PathRouter(fallback: fallback)
        router.route("/caf\u{E9}", to: health)
        XCTAssertTrue(router.endpoint(for: head("/caf\u{E9}")) === health)
        // The same text with a combining accent is other bytes, and another path.
        XCTAssertTrue(router.endpoint(for: head("/cafe\u{301}")) === fallback)
    }

    /// A route handed out calls its endpoint uncounted; the router keeps that endpoint even
    /// after its path is routed elsewhere, so a route a connection still holds stays good.
    func testRoutesCallTheirEndpointAndOutliveAReplacedRoute() {
        let router = PathRouter(fallback: fallback)
        weak var replaced: RecordingEndpoint?
        var route: HTTPRoute
        do {
            let first = RecordingEndpoint(maxBody: 7)
            replaced = first
            router.route("/hook", to: first)
            route = router.route(for: head("/hook"))
            router.route("/hook", to: api)
        }
        XCTAssertNotNil(replaced, "kept by the router for routes handed out")
        XCTAssertEqual(route.maxBodyBytes(for: head("/hook")), 7)
        XCTAssertTrue(router.route(for: head("/hook")).endpoint === api)
        XCTAssertTrue(router.route(for: head("/elsewhere")).endpoint === fallback)
        route = router.route(for: head("/hook"))
        XCTAssertEqual(route.maxBodyBytes(for: head("/hook")), api.maxBodyBytes(for: head("/hook")))
    }

    /// A router that only picks endpoints gets routes that hold theirs.
    func testARouterWithoutRoutesOfItsOwnHandsOutHeldOnes() {
        final class Picking: HTTPRouter, @unchecked Sendable {
            func endpoint(for head: HTTPRequestHead) -> HTTPEndpoint { RecordingEndpoint(maxBody: 3) }
        }
        let route = Picking().route(for: head("/"))
        XCTAssertEqual(route.maxBodyBytes(for: head("/")), 3, "the endpoint made for the route lives as long as it")
    }
}

private final class RecordingEndpoint: HTTPEndpoint {
    let maxBody: Int
    init(maxBody: Int) { self.maxBody = maxBody }
    func maxBodyBytes(for head: HTTPRequestHead) -> Int { maxBody }
    func handle(_ request: HTTPRequest, _ response: HTTPResponseWriter) {}
}
