/// Why a request was rejected; each case maps to one response status.
package enum HTTPParseError: Error, Sendable, Equatable {
    /// Request line longer than `maxRequestLineBytes` (414).
    case uriTooLong
    /// Header or trailer block larger than `maxHeaderBytes` (431).
    case headerTooLarge
    /// More than `maxHeaderCount` field lines (431).
    case tooManyHeaders
    /// Body larger than the body limit (413).
    case bodyTooLarge
    /// Malformed request; the text says what was wrong, for logs (400).
    case badRequest(String)
    /// Valid HTTP this server does not implement, such as a transfer coding or CONNECT (501).
    case notImplemented(String)
    /// A well-formed HTTP version other than 1.0 or 1.1 (505).
    case versionNotSupported

    /// The status to answer with before closing the connection.
    package var status: Int {
        switch self {
        case .uriTooLong: 414
        case .headerTooLarge, .tooManyHeaders: 431
        case .bodyTooLarge: 413
        case .badRequest: 400
        case .notImplemented: 501
        case .versionNotSupported: 505
        }
    }
}

/// What one `HTTPRequestParser.parse(_:)` call produced.
package enum HTTPParseEvent {
    /// Nothing more can be parsed until more bytes arrive.
    case needMore
    /// A complete request head, kept by the parser: take it (`takeHead`) before parsing on.
    /// The event does not carry it: an enum made with the head copied it whole and destroyed
    /// the original, retaining and releasing its strings, on every request.
    case head
    /// Body bytes: a slice of the input, valid only until the caller changes or frees it; copy it.
    case body(UnsafeRawBufferPointer)
    /// The request is complete (right after `.head` when there is no body); trailers of a
    /// chunked body, else empty.
    case end(trailers: HTTPHeaders)
    /// The request is invalid; the parser stays in this state. Answer `status` and close.
    case error(HTTPParseError)
}
