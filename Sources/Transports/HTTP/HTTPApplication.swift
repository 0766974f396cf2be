import PushCore
/// A request with its whole body, as handed to an application route.
public struct HTTPRequest: Sendable {
    public let head: HTTPRequestHead
    public let body: [UInt8]
    public let remoteAddress: String
}

/// What serves requests: the router decides, from the head alone, which endpoint takes a
/// request and how large a body it accepts.
public protocol HTTPEndpoint: AnyObject {
    /// The largest body this endpoint takes for `head` (413 past it).
    func maxBodyBytes(for head: HTTPRequestHead) -> Int
    /// Answers through `response`, now or later (a held long-poll).
    func handle(_ request: HTTPRequest, _ response: HTTPResponseWriter)
}

/// Picks the endpoint for a request head.
public protocol HTTPRouter: AnyObject, Sendable {
    func endpoint(for head: HTTPRequestHead) -> HTTPEndpoint
    /// The same endpoint, uncounted: for a router that keeps its endpoints for its whole life.
    func route(for head: HTTPRequestHead) -> HTTPRoute
}

extension HTTPRouter {
    /// Counted where the router may let go of its endpoints: the route holds one of its own.
    public func route(for head: HTTPRequestHead) -> HTTPRoute { HTTPRoute(held: HTTPEndpointBox(endpoint(for: head))) }
}

/// An endpoint in a box of its own, which a router keeps for as long as it routes to it.
public final class HTTPEndpointBox {
    public let endpoint: HTTPEndpoint
    public init(_ endpoint: HTTPEndpoint) { self.endpoint = endpoint }
}

/// An endpoint as a connection holds it from a request's head to its dispatch. Every loop's
/// requests reach the same few endpoints, and counting a reference to one, twice a request,
/// writes to a cache line all the loops share: a route from a router that keeps its endpoints
/// counts nothing, the endpoint reached through its box lent.
public struct HTTPRoute {
    private let box: Unmanaged<HTTPEndpointBox>
    /// Set where the route keeps the box alive itself.
    private let held: HTTPEndpointBox?

    /// A box whose owner keeps it for as long as the route is used.
    public init(lent box: HTTPEndpointBox) {
        self.box = .passUnretained(box)
        held = nil
    }

    /// A box the route keeps alive itself.
    public init(held box: HTTPEndpointBox) {
        self.box = .passUnretained(box)
        held = box
    }

    /// The endpoint, counted (a value returned is owned): for a caller that keeps it.
    public var endpoint: HTTPEndpoint { box._withUnsafeGuaranteedRef { $0.endpoint } }

    /// The endpoint's `maxBodyBytes(for:)`, called without counting it.
    public func maxBodyBytes(for head: HTTPRequestHead) -> Int {
        box._withUnsafeGuaranteedRef { $0.endpoint.maxBodyBytes(for: head) }
    }

    /// The endpoint's `handle`, called without counting it.
    public func handle(_ request: HTTPRequest, _ response: HTTPResponseWriter) {
        box._withUnsafeGuaranteedRef { $0.endpoint.handle(request, response) }
    }
}

/// Timeouts and limits of the HTTP server.
public struct HTTPServerConfiguration: Sendable {
    public var limits = HTTPLimits()
    /// Time to receive a complete request head once its first byte arrived (408 after).
    public var headerTimeoutMilliseconds: Int64 = 10_000
    /// Time an idle keep-alive connection is kept.
    public var keepAliveTimeoutMilliseconds: Int64 = 60_000
    /// Time to receive a request body, measured from the head.
    public var bodyTimeoutMilliseconds: Int64 = 30_000
    public var connection = ConnectionLimits()
    /// Share the port with another process that also asks to (a zero-downtime restart: the
    /// new process starts, the old one drains). Off, a port another process holds is an error.
    public var reusePort = false

    public init() {}
}
