/// How a response body is framed (RFC 9112 §6.3, for a response to a request other than HEAD).
package enum HTTPResponseBodyKind: Sendable, Equatable {
    /// No body: 1xx, 204 and 304.
    case none
    /// Exactly this many bytes (Content-Length; may be 0).
    case length(Int)
    /// Transfer-Encoding: chunked.
    case chunked
    /// Neither: the body runs until the server closes the connection.
    case untilClose
}

/// The status line and header block of one response.
package struct HTTPResponseHead: Sendable, Equatable {
    /// The three-digit status code.
    package var status: Int
    /// The reason phrase as sent (may be empty).
    package var reason: String
    /// 0 or 1: the major version is always 1.
    package var versionMinor: Int
    /// Every header field as received.
    package var headers: HTTPHeaders
    /// Whether the connection may carry another request after this response: HTTP/1.1 unless
    /// `Connection: close`, HTTP/1.0 only with `Connection: keep-alive`; never for a body that
    /// runs until close.
    package var keepAlive: Bool
    /// How the body is framed.
    package var body: HTTPResponseBodyKind

    /// A head from its parts.
    package init(status: Int, reason: String, versionMinor: Int, headers: HTTPHeaders, keepAlive: Bool,
                body: HTTPResponseBodyKind) {
        self.status = status
        self.reason = reason
        self.versionMinor = versionMinor
        self.headers = headers
        self.keepAlive = keepAlive
        self.body = body
    }
}

/// What one `HTTPResponseParser.parse(_:)` call produced.
package enum HTTPResponseParseEvent {
    /// Nothing more can be parsed until more bytes arrive (or the connection ends: `finish()`).
    case needMore
    /// A complete final response head (interim 1xx heads are skipped).
    case head(HTTPResponseHead)
    /// Body bytes: a slice of the input, valid only until the caller changes or frees it; copy it.
    case body(UnsafeRawBufferPointer)
    /// The response is complete; trailers of a chunked body, else empty.
    case end(trailers: HTTPHeaders)
    /// The response is invalid (or over a limit); the parser stays in this state.
    case error(HTTPParseError)
}
