/// A request method; the common ones get their own case, any other token is kept verbatim.
public enum HTTPMethod: Sendable, Equatable, Hashable {
    /// The registered methods this server is likely to route.
    case get, head, post, put, delete, options, patch
    /// Any other method token, exactly as sent (methods are case-sensitive).
    case other(String)

    /// The method token as sent on the wire.
    public var name: String {
        switch self {
        case .get: "GET"
        case .head: "HEAD"
        case .post: "POST"
        case .put: "PUT"
        case .delete: "DELETE"
        case .options: "OPTIONS"
        case .patch: "PATCH"
        case .other(let name): name
        }
    }

    /// The length of the token on the wire, without making its String.
    var byteCount: Int {
        switch self {
        case .get, .put: 3
        case .head, .post: 4
        case .patch: 5
        case .delete: 6
        case .options: 7
        case .other(let name): name.utf8.count
        }
    }

    /// The method for a token; known tokens map to their case, so `.other` never holds them.
    public init(_ name: String) {
        switch name {
        case "GET": self = .get
        case "HEAD": self = .head
        case "POST": self = .post
        case "PUT": self = .put
        case "DELETE": self = .delete
        case "OPTIONS": self = .options
        case "PATCH": self = .patch
        default: self = .other(name)
        }
    }
}

/// How the request body is framed.
public enum HTTPBodyKind: Sendable, Equatable {
    /// No body (neither Content-Length nor Transfer-Encoding).
    case none
    /// Exactly this many bytes (Content-Length; may be 0).
    case length(Int)
    /// Transfer-Encoding: chunked.
    case chunked
}

/// The parsed request line and header block of one request.
public struct HTTPRequestHead: Sendable, Equatable {
    /// The request method.
    public var method: HTTPMethod
    /// The request-target exactly as sent (origin-form, absolute-form or `*`).
    public var target: String
    /// The path: the target before `?` (for absolute-form, the path after the authority, `/` if
    /// empty; `*` for asterisk-form), still percent-encoded.
    public var path: String
    /// The query after `?`, undecoded; "" if none. Made from `target` when asked (most
    /// requests never ask: the engine reads its parameters from the target's bytes), unless
    /// the head was given a query of its own.
    public var query: String {
        get { givenQuery ?? Self.query(of: target) }
        set { givenQuery = newValue }
    }
    /// A query given apart from the target (tests, forwarded requests); nil for a parsed head.
    private var givenQuery: String?
    /// Whether `query` is the part of `target` after its first `?`, as in every parsed head.
    package var queryIsTargets: Bool { givenQuery == nil }
    /// 0 or 1: the major version is always 1.
    public var versionMinor: Int
    /// Every header field as received.
    public var headers: HTTPHeaders
    /// Whether the connection may serve another request after this one: HTTP/1.1 unless
    /// `Connection: close`; HTTP/1.0 only with `Connection: keep-alive` (and no `close`).
    public var keepAlive: Bool
    /// `Expect: 100-continue` on an HTTP/1.1 request (HTTP/1.0 clients cannot expect it).
    public var expectsContinue: Bool
    /// The lowercased Upgrade value when HTTP/1.1 `Connection` lists `upgrade`; else nil.
    public var upgrade: String?
    /// How the body is framed.
    public var body: HTTPBodyKind

    /// A head from its parts (the parser fills these; tests and routers may build their own).
    public init(
        method: HTTPMethod, target: String, path: String, query: String, versionMinor: Int,
        headers: HTTPHeaders, keepAlive: Bool, expectsContinue: Bool, upgrade: String?, body: HTTPBodyKind
    ) {
        self.init(method: method, target: target, path: path, versionMinor: versionMinor, headers: headers,
                  keepAlive: keepAlive, expectsContinue: expectsContinue, upgrade: upgrade, body: body)
        givenQuery = query
    }

    /// A head whose query is its target's (the parser's).
    package init(
        method: HTTPMethod, target: String, path: String, versionMinor: Int,
        headers: HTTPHeaders, keepAlive: Bool, expectsContinue: Bool, upgrade: String?, body: HTTPBodyKind
    ) {
        self.method = method
        self.target = target
        self.path = path
        self.versionMinor = versionMinor
        self.headers = headers
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
        self.upgrade = upgrade
        self.body = body
    }

    /// An empty head (GET, no target), for the parser to fill.
    package init() {
        // Set part by part: delegating to the full initializer copied the head it made.
        method = .get
        target = ""
        path = ""
        versionMinor = 1
        headers = HTTPHeaders()
        keepAlive = true
        expectsContinue = false
        upgrade = nil
        body = .none
    }

    /// Makes `query` the target's again (a parsed head's), dropping a query given apart.
    package mutating func resetQueryToTargets() { givenQuery = nil }

    /// The part of a target after its first `?` (a path, and an absolute-form authority, hold
    /// none); "" without one.
    private static func query(of target: String) -> String {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return "" }
        return String(target[target.utf8.index(after: mark)...])
    }

    /// The head's size as a client writes it: request line, one `Name: value` line per header,
    /// and the blank line (exact for the single-space form browsers send). The method is
    /// counted by its case: `method.name` copied the method and made its text on every request.
    package var wireByteCount: Int {
        method.byteCount + 1 + target.utf8.count + 1 + 8 + 2 + headers.lineByteCount + 2
    }

    /// Heads are equal when their parts are, however the query is held.
    public static func == (a: HTTPRequestHead, b: HTTPRequestHead) -> Bool {
        a.method == b.method && a.target == b.target && a.path == b.path && a.query == b.query
            && a.versionMinor == b.versionMinor && a.headers == b.headers && a.keepAlive == b.keepAlive
            && a.expectsContinue == b.expectsContinue && a.upgrade == b.upgrade && a.body == b.body
    }
}
