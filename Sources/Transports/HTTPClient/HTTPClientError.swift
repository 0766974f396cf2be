/// Why a request to a backend got no usable answer. Every case has a stable description for logs.
package enum HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The TCP connection could not be opened (errno: ECONNREFUSED, EHOSTUNREACH, ...).
    case connectFailed(errno: Int32)
    /// The TCP connection did not open within the connect timeout.
    case connectTimeout
    /// No byte of the response came for the read timeout.
    case readTimeout
    /// The whole exchange (queueing included) took longer than the request's timeout.
    case timeout
    /// The connection closed before the response was complete.
    case closedEarly
    /// The response broke HTTP/1.1 (the parser's reason).
    case malformedResponse(HTTPParseError)
    /// The response body was larger than the response limit (or its head larger than the head limits).
    case responseTooLarge
    /// Every request slot was busy and the queue of waiting requests was full.
    case overloaded

    package var description: String {
        switch self {
        case .connectFailed(let code): "connection failed (\(Self.errnoName(code)))"
        case .connectTimeout: "connect timeout"
        case .readTimeout: "read timeout"
        case .timeout: "timeout"
        case .closedEarly: "connection closed before the response was complete"
        case .malformedResponse(let error): "malformed response (\(error))"
        case .responseTooLarge: "response too large"
        case .overloaded: "overloaded (concurrency and queue full)"
        }
    }

    static func errnoName(_ code: Int32) -> String {
        switch code {
        case 111: "connection refused"
        case 113: "no route to host"
        case 101: "network unreachable"
        case 22: "invalid address"
        case 110: "timed out"
        default: "errno \(code)"
        }
    }
}

import PushCore
