import PushCore

/// Settings of the server HTTP API.
public struct ServerAPIConfiguration: Sendable {
    /// Bearer keys that may call the API (several, for rotation); none turns the API off.
    public var keys: [String] = []
    /// Where the API answers, with a trailing slash: `POST <path><method>`.
    public var path = "/api/"
    /// The largest request body (413 past it).
    public var maxBodyBytes = 1 << 20

    public init() {}

    public var isEnabled: Bool { !keys.isEmpty }
}

/// `POST <api-path><method>` with a bearer key and a JSON body: decodes the call, runs it on
/// the Socket.IO server (cluster-wide through its adapter) and answers JSON.
public final class ServerAPIEndpoint: HTTPEndpoint, @unchecked Sendable {
    public let configuration: ServerAPIConfiguration
    public let api: ServerAPI
    private let decoder = ServerAPIDecoder()
    private let keys: [[UInt8]]

    public init(configuration: ServerAPIConfiguration, api: ServerAPI) {
        self.configuration = configuration
        self.api = api
        self.keys = configuration.keys.map { Array($0.utf8) }
    }

    public func maxBodyBytes(for head: HTTPRequestHead) -> Int {
        head.method == .post ? configuration.maxBodyBytes : 0
    }

    public func handle(_ request: HTTPRequest, _ writer: HTTPResponseWriter) {
        let head = request.head
        guard authorized(head.headers["Authorization"]) else {
            Log.debug("\(request.remoteAddress): API call without a valid key")
            answer(writer, .failure(ServerAPIError(.unauthorized, "send Authorization: Bearer <api key>")))
            return
        }
        guard head.method == .post else {
            answer(writer, .failure(ServerAPIError(.methodNotAllowed, "API methods take POST")), extraHeaders: [("Allow", "POST")])
            return
        }
        let method = String(head.path.dropFirst(configuration.path.count))
        switch decoder.decode(method: method, body: request.body) {
        case .failure(let error):
            Log.debug("\(request.remoteAddress): API \(method) refused: \(error.message)")
            answer(writer, .failure(error))
        case .success(let command):
            Log.debug("\(request.remoteAddress): API \(method)")
            api.execute(command, now: writer.loop.now) { [self] result in
                writer.loop.run { self.answer(writer, result) }
            }
        }
    }

    /// Whether `header` is `Bearer <one of the keys>`, compared in constant time per key.
    private func authorized(_ header: String?) -> Bool {
        guard let header, header.utf8.count > 7,
              header.utf8.prefix(7).elementsEqual("bearer ".utf8, by: { $0 | 0x20 == $1 | 0x20 }) else { return false }
        let presented = Array(header.utf8.dropFirst(7))
        var matched = false
        for key in keys { matched = constantTimeEquals(presented, key) || matched }
        return matched
    }

    private func answer(_ writer: HTTPResponseWriter, _ result: Result<JSONValue, ServerAPIError>,
                        extraHeaders: [(String, String)] = []) {
        let status: Int, document: JSONValue
        switch result {
        case .success(let value): (status, document) = (200, value)
        case .failure(let error): (status, document) = (error.status, error.json)
        }
        var body: [UInt8] = []
        document.serialize(into: &body)
        body.append(UInt8(ascii: "\n"))
        var headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store")] + extraHeaders
        if status == 401 { headers.append(("WWW-Authenticate", "Bearer")) }
        writer.respond(status: status, headers: headers, body: body)
    }
}
