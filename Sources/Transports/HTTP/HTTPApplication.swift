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
