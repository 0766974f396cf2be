/// Size limits for one HTTP/1.1 request; each violation maps to one `HTTPParseError`.
public struct HTTPLimits: Sendable, Equatable {
    /// Longest request line, excluding its CRLF. Exceeding it gives 414.
    public var maxRequestLineBytes: Int
    /// Largest header block: every field line after the request line with its line end, plus
    /// the empty line that ends the block (the request line is not counted). The trailer block
    /// of a chunked body gets the same budget of its own. Exceeding it gives 431.
    public var maxHeaderBytes: Int
    /// Most field lines in the header block (and, separately, in the trailer block). Exceeding it gives 431.
    public var maxHeaderCount: Int
    /// Largest body (Content-Length or the sum of chunk sizes); the parser starts each request
    /// with it and `HTTPRequestParser.setBodyLimit(_:)` overrides it per request. Exceeding it gives 413.
    public var maxBodyBytes: Int
    /// Longest chunk extension (everything after the chunk size up to the line end). Exceeding it gives 400.
    public var maxChunkExtensionBytes: Int
    /// Most empty lines tolerated before a request line (RFC 9112 §2.2). Exceeding it gives 400.
    public var maxLeadingEmptyLines: Int

    /// Limits with safe defaults; negative values are treated as 0.
    public init(
        maxRequestLineBytes: Int = 8192,
        maxHeaderBytes: Int = 16384,
        maxHeaderCount: Int = 100,
        maxBodyBytes: Int = 1_000_000,
        maxChunkExtensionBytes: Int = 4096,
        maxLeadingEmptyLines: Int = 8
    ) {
        self.maxRequestLineBytes = max(0, maxRequestLineBytes)
        self.maxHeaderBytes = max(0, maxHeaderBytes)
        self.maxHeaderCount = max(0, maxHeaderCount)
        self.maxBodyBytes = max(0, maxBodyBytes)
        self.maxChunkExtensionBytes = max(0, maxChunkExtensionBytes)
        self.maxLeadingEmptyLines = max(0, maxLeadingEmptyLines)
    }
}
