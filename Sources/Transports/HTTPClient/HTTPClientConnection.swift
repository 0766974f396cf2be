import PushCore

/// One keep-alive connection to a backend origin: sends one request at a time and parses its
/// response with `HTTPResponseParser`. Loop thread only.
final class HTTPClientConnection: ConnectionHandler {
    /// Strong: a connection still registered with its loop may report its close after its
    /// client's owner let go of it.
    let client: HTTPClient
    let url: HTTPClientURL
    var connection: Connection?
    private var parser: HTTPResponseParser
    private(set) var exchange: HTTPClientExchange?
    private var head: HTTPResponseHead?
    private var body: [UInt8] = []
    private var receivedAny = false
    private var lastRead: Int64 = 0
    private var timer: Timer?
    /// Responses already read on this connection (a reused connection may have been closed by
    /// the backend while idle).
    private(set) var served = 0
    var idleTimer: Timer?

    init(client: HTTPClient, url: HTTPClientURL, limits: HTTPLimits) {
        self.client = client
        self.url = url
        self.parser = HTTPResponseParser(limits: limits)
    }

    var isOpen: Bool { !(connection?.isClosed ?? true) }

    /// Sends `exchange`'s request and waits for its answer.
    func send(_ exchange: HTTPClientExchange) {
        client.loop.assertInLoop()
        idleTimer?.cancel()
        idleTimer = nil
        self.exchange = exchange
        head = nil
        body = []
        receivedAny = false
        lastRead = client.loop.now
        parser.reset()
        connection?.write(exchange.wire)
        armTimer()
    }

    /// Fires at the earlier of the read timeout and the exchange's deadline; checks which passed.
    private func armTimer() {
        guard let exchange else { return }
        let loop = client.loop
        let due = min(lastRead + client.configuration.readTimeout, exchange.deadline)
        timer = loop.schedule(after: max(1, due - loop.now)) { [self] in
            timer = nil
            guard let current = self.exchange, current === exchange else { return }
            let now = loop.now
            if now >= current.deadline {
                fail(.timeout)
            } else if now - lastRead >= client.configuration.readTimeout {
                fail(.readTimeout)
            } else {
                armTimer()
            }
        }
    }

    override func connection(_ connection: Connection, didRead input: UnsafeMutableRawBufferPointer) -> Int {
        guard exchange != nil else {
            // Bytes nobody asked for: the connection is out of step with the backend.
            connection.close()
            return input.count
        }
        receivedAny = true
        lastRead = client.loop.now
        var consumed = 0
        while exchange != nil {
            let (event, used) = parser.parse(UnsafeRawBufferPointer(rebasing: input[consumed...]))
            consumed += used
            switch event {
            case .needMore:
                return consumed
            case .head(let parsed):
                head = parsed
            case .body(let slice):
                body.append(contentsOf: slice)
            case .end:
                complete(leftover: consumed < input.count)
                return input.count
            case .error(let error):
                fail(Self.clientError(error))
                return input.count
            }
        }
        return input.count
    }

    static func clientError(_ error: HTTPParseError) -> HTTPClientError {
        switch error {
        case .bodyTooLarge, .headerTooLarge, .tooManyHeaders, .uriTooLong: .responseTooLarge
        default: .malformedResponse(error)
        }
    }

    private func complete(leftover: Bool) {
        guard let exchange, let head else { return }
        self.exchange = nil
        timer?.cancel()
        timer = nil
        served += 1
        let response = HTTPClientResponse(head: head, body: body)
        body = []
        self.head = nil
        let reusable = head.keepAlive && !leftover
        if !reusable { connection?.close() }
        client.finished(exchange, on: self, result: .success(response), reusable: reusable)
    }

    private func fail(_ error: HTTPClientError) {
        guard let exchange else { return }
        self.exchange = nil
        timer?.cancel()
        timer = nil
        connection?.close()
        client.finished(exchange, on: self, result: .failure(error), reusable: false)
    }

    override func connectionDidDrain(_ connection: Connection) {}

    override func connectionDidClose(_ connection: Connection) {
        idleTimer?.cancel()
        idleTimer = nil
        self.connection = nil
        client.connectionClosed(self)
        guard let exchange else { return }
        // A body framed by the close ends here; anything else was cut short.
        if head != nil, case .end = parser.finish() {
            complete(leftover: false)
            return
        }
        self.exchange = nil
        timer?.cancel()
        timer = nil
        if served > 0 && !receivedAny {
            // The backend closed an idle keep-alive connection as the request went out.
            client.retry(exchange)
        } else {
            client.finished(exchange, on: self, result: .failure(.closedEarly), reusable: false)
        }
    }
}
