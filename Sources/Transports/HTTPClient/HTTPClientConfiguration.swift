/// Limits and timeouts of the backend HTTP client.
public struct HTTPClientConfiguration: Sendable {
    /// Time to open a TCP connection, in milliseconds.
    public var connectTimeout: Int64 = 2_000
    /// Longest silence while a response is awaited or arriving, in milliseconds.
    public var readTimeout: Int64 = 5_000
    /// Default time for a whole exchange (waiting for a slot included), in milliseconds; a
    /// request may carry its own.
    public var totalTimeout: Int64 = 5_000
    /// Largest response body accepted.
    public var maxResponseBytes = 1 << 20
    /// Requests in flight at once in the whole process.
    public var concurrency = 256
    /// Requests waiting for a slot in the whole process; past it a request fails at once with
    /// `.overloaded`.
    public var queueLimit = 4_096
    /// Idle keep-alive connections are closed after this long (below common servers' own
    /// keep-alive timeouts, 5 s in Node, so pushd closes first).
    public var idleTimeout: Int64 = 4_000
    /// Idle connections kept per backend origin and loop.
    public var maxIdlePerOrigin = 64

    public init() {}
}

import PushCore

/// The head limits for backend responses: generous, but bounded.
extension HTTPClientConfiguration {
    var responseLimits: HTTPLimits {
        HTTPLimits(maxRequestLineBytes: 8192, maxHeaderBytes: 64 << 10, maxHeaderCount: 200,
                   maxBodyBytes: maxResponseBytes)
    }
}
