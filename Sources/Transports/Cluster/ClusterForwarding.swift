import PushCore

/// Requests for sessions owned by other nodes travel over Redis to the owner and back, so a
/// load balancer needs no sticky sessions. The cost is two pub/sub hops per forwarded request.
extension ClusterNode: SessionForwarder {
    public func forward(_ request: HTTPRequest, _ writer: HTTPResponseWriter, kind: EngineTransportKind, sid: String,
                        owner: String, cors: [(String, String)]) -> Bool {
        // Called on the request's loop; liveness is read on the cluster loop, so the answer to
        // an unknown owner comes from there too.
        let method = request.head.method == .post ? "POST" : request.head.method == .get ? "GET" : "OTHER"
        let body = request.body
        loop.execute { [self] in
            guard liveNodes.contains(owner), redis.isAvailable else {
                writer.loop.execute {
                    writer.respond(status: 400, headers: [("Content-Type", "application/json")] + cors, body: EngineError.unknownSid.json)
                }
                return
            }
            let number = nextRequestNumber()
            // A held poll may last a ping interval; past that plus the timeout the owner is gone.
            let session = engine.configuration.session
            let patience = method == "GET" ? session.pingInterval + session.pingTimeout + 2_000 : 5_000
            let timer = loop.schedule(after: patience) { [self] in forwardFailed(number) }
            storeForward(number, writer: writer, cors: cors, owner: owner, timer: timer)
            writer.loop.execute { [self] in
                writer.onAbort = { [self] in
                    loop.execute { [self] in
                        guard cancelForward(number) else { return }
                        publish(["k": "forward-abort", "n": .string(id), "id": .number(Double(number))], to: Self.channel(of: owner))
                    }
                }
            }
            publish([
                "k": "forward", "n": .string(id), "id": .number(Double(number)), "sid": .string(sid),
                "method": .string(method), "transport": .string(kind.rawValue),
                "body": .string(Base64.encode(body)),
            ], to: Self.channel(of: owner))
        }
        return true
    }

    /// The owner's side: run the request on the session and send the answer back.
    func receiveForward(_ message: JSONValue, from origin: String) {
        assertInLoop()
        guard let number = message["id"]?.intValue, let sid = message["sid"]?.stringValue,
              let kind = message["transport"]?.stringValue.flatMap(EngineTransportKind.init(rawValue:)),
              let body = message["body"]?.stringValue.flatMap({ Base64.decode(Array($0.utf8)) }) else { return }
        let method: HTTPMethod = message["method"]?.stringValue == "POST" ? .post : .get
        let head = HTTPRequestHead(method: method, target: "", path: engine.configuration.path, query: "", versionMinor: 1,
                                   headers: HTTPHeaders(), keepAlive: true, expectsContinue: false, upgrade: nil,
                                   body: body.isEmpty ? .none : .length(body.count))
        let responder = ForwardedResponder(node: self, origin: origin, number: number)
        answering["\(origin)/\(number)"] = responder
        engine.handleForwarded(HTTPRequest(head: head, body: body, remoteAddress: "cluster:\(origin)"),
                               kind: kind, sid: sid, responder: responder)
    }

    /// The origin's side: the owner answered.
    func receiveForwardReply(_ message: JSONValue) {
        assertInLoop()
        guard let number = message["id"]?.intValue.map(UInt64.init),
              case .forwarded(let writer, let cors, _, let timer)? = takePending(number) else { return }
        timer?.cancel()
        let status = message["status"]?.intValue ?? 500
        let contentType = message["type"]?.stringValue ?? "text/plain; charset=UTF-8"
        let body = message["body"]?.stringValue.flatMap { Base64.decode(Array($0.utf8)) } ?? []
        writer.loop.execute {
            writer.onAbort = nil
            writer.respond(status: status, headers: [("Content-Type", contentType), ("Cache-Control", "no-store")] + cors, body: body)
        }
    }

    /// The owner did not answer in time, or died: the session is as good as unknown.
    func forwardFailed(_ number: UInt64) {
        assertInLoop()
        guard case .forwarded(let writer, let cors, _, let timer)? = takePending(number) else { return }
        timer?.cancel()
        writer.loop.execute {
            writer.respond(status: 400, headers: [("Content-Type", "application/json")] + cors, body: EngineError.unknownSid.json)
        }
    }
}

/// Answers a forwarded request by publishing the response to the node it came from.
/// Loop-confined to the cluster loop (see LoopConfined): its entry points assert.
final class ForwardedResponder: EngineResponder, LoopConfined, @unchecked Sendable {
    unowned let node: ClusterNode
    let origin: String
    let number: Int
    private(set) var isOpen = true
    var onAbort: (() -> Void)? {
        get { abortHandler }
        set {
            assertInLoop()
            abortHandler = newValue
        }
    }
    private var abortHandler: (() -> Void)?

    init(node: ClusterNode, origin: String, number: Int) {
        self.node = node
        self.origin = origin
        self.number = number
    }

    var loop: EventLoop { node.loop }

    func respond(status: Int, headers: [(String, String)], body: [UInt8]) {
        assertInLoop()
        guard isOpen else { return }
        isOpen = false
        abortHandler = nil
        node.answering["\(origin)/\(number)"] = nil
        let contentType = headers.first { $0.0 == "Content-Type" }?.1 ?? "text/plain; charset=UTF-8"
        node.publish([
            "k": "forward-reply", "n": .string(node.id), "id": .number(Double(number)), "status": .number(Double(status)),
            "type": .string(contentType), "body": .string(Base64.encode(body)),
        ], to: ClusterNode.channel(of: origin))
    }

    /// The client gave up on the origin node.
    func abort() {
        assertInLoop()
        guard isOpen else { return }
        isOpen = false
        node.answering["\(origin)/\(number)"] = nil
        let handler = abortHandler
        abortHandler = nil
        handler?()
    }
}
