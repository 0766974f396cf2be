import PushCore

/// The backend HTTP client of one event loop: keep-alive connections per origin, requests in
/// flight, and requests waiting for one of the process's slots. Requests and their completions
/// stay on this loop. Loop thread only, except `HTTPClientGroup`'s wake-ups.
package final class HTTPClient: @unchecked Sendable {
    package let loop: EventLoop
    /// Strong: the clients and their group live as long as each other (a server's lifetime).
    let group: HTTPClientGroup
    var configuration: HTTPClientConfiguration { group.configuration }
    @exclusivity(unchecked) private var idle: [HTTPClientURL: [HTTPClientConnection]] = [:]
    @exclusivity(unchecked) private var waiting: [HTTPClientExchange] = []
    @exclusivity(unchecked) private var waitingHead = 0
    /// Connections open (idle or busy), for tests and the health figures.
    @exclusivity(unchecked) package private(set) var openConnections = 0

    init(loop: EventLoop, group: HTTPClientGroup) {
        self.loop = loop
        self.group = group
    }

    /// Sends `request`; `completion` runs once, on this loop. Loop thread only.
    package func execute(_ request: HTTPClientRequest, completion: @escaping HTTPClientCompletion) {
        loop.assertInLoop()
        let deadline = loop.now + (request.timeout ?? configuration.totalTimeout)
        let exchange = HTTPClientExchange(request: request, deadline: deadline, completion: completion)
        if group.acquireSlot() {
            start(exchange)
        } else if group.enqueue() {
            group.noteQueued()
            waiting.append(exchange)
            // A request that waits past its deadline fails then, not when a slot frees.
            loop.schedule(after: max(1, deadline - loop.now)) { [self] in expireWaiting() }
        } else {
            group.noteOverloaded()
            exchange.finish(.failure(.overloaded))
        }
    }

    /// Requests waiting here for a slot.
    package var waitingCount: Int { waiting.count - waitingHead }

    // MARK: Running an exchange (holds a slot)

    private func start(_ exchange: HTTPClientExchange) {
        if loop.now >= exchange.deadline {
            finishAndRelease(exchange, .failure(.timeout))
            return
        }
        exchange.attempts += 1
        if var list = idle[exchange.request.url], let connection = list.popLast() {
            idle[exchange.request.url] = list.isEmpty ? nil : list
            connection.send(exchange)
            return
        }
        let url = exchange.request.url
        let limits = configuration.responseLimits
        let timeout = min(configuration.connectTimeout, max(1, exchange.deadline - loop.now))
        openConnections += 1
        Connector.connect(on: loop, host: url.host, port: url.port, timeoutMilliseconds: timeout, makeHandler: { [self] in
            HTTPClientConnection(client: self, url: url, limits: limits)
        }) { [self] result in
            switch result {
            case .failure(let error):
                openConnections -= 1
                let failure: HTTPClientError = error.code == 110 ? .connectTimeout : .connectFailed(errno: error.code)
                finishAndRelease(exchange, .failure(loop.now >= exchange.deadline ? .timeout : failure))
            case .success(let connection):
                guard let handler = connection.handler as? HTTPClientConnection else {
                    connection.close()
                    return
                }
                handler.connection = connection
                if connection.isClosed {
                    finishAndRelease(exchange, .failure(.closedEarly))
                } else {
                    handler.send(exchange)
                }
            }
        }
    }

    /// An exchange ended on `connection`; a reusable connection goes back to the idle list.
    func finished(_ exchange: HTTPClientExchange, on connection: HTTPClientConnection,
                  result: Result<HTTPClientResponse, HTTPClientError>, reusable: Bool) {
        if reusable, connection.isOpen {
            var list = idle[connection.url] ?? []
            if list.count < configuration.maxIdlePerOrigin {
                list.append(connection)
                idle[connection.url] = list
                connection.idleTimer = loop.schedule(after: configuration.idleTimeout) { [weak connection] in
                    connection?.idleTimer = nil
                    connection?.connection?.close()
                }
            } else {
                connection.connection?.close()
            }
        }
        finishAndRelease(exchange, result)
    }

    /// A reused connection closed before answering: one more try on a fresh connection.
    func retry(_ exchange: HTTPClientExchange) {
        if exchange.attempts < 2 {
            start(exchange)
        } else {
            finishAndRelease(exchange, .failure(.closedEarly))
        }
    }

    func connectionClosed(_ connection: HTTPClientConnection) {
        openConnections -= 1
        if var list = idle[connection.url], let index = list.firstIndex(where: { $0 === connection }) {
            list.remove(at: index)
            idle[connection.url] = list.isEmpty ? nil : list
        }
    }

    private func finishAndRelease(_ exchange: HTTPClientExchange, _ result: Result<HTTPClientResponse, HTTPClientError>) {
        exchange.finish(result)
        releaseSlot()
    }

    // MARK: Slots and the waiting queue

    /// Hands the slot to the next request waiting here, else back to the process.
    private func releaseSlot() {
        while let next = takeWaiting() {
            if next.isDone { continue }
            start(next)
            return
        }
        group.releaseSlot(from: self)
    }

    private func takeWaiting() -> HTTPClientExchange? {
        guard waitingHead < waiting.count else { return nil }
        let next = waiting[waitingHead]
        waitingHead += 1
        group.dequeued()
        if waitingHead == waiting.count {
            waiting.removeAll(keepingCapacity: waiting.count <= 1024)
            waitingHead = 0
        } else if waitingHead > 256 && waitingHead * 2 > waiting.count {
            waiting.removeFirst(waitingHead)
            waitingHead = 0
        }
        return next
    }

    /// Fails waiting requests whose deadline passed (they keep their place until taken).
    private func expireWaiting() {
        let now = loop.now
        for index in waitingHead..<waiting.count where !waiting[index].isDone && waiting[index].deadline <= now {
            waiting[index].finish(.failure(.timeout))
        }
    }

    /// Another loop freed a slot while requests wait here: take slots while the process has them.
    func takeFreedSlots() {
        loop.assertInLoop()
        while waitingHead < waiting.count {
            // Skip expired entries without spending a slot on them.
            if waiting[waitingHead].isDone {
                _ = takeWaiting()
                continue
            }
            guard group.acquireSlot() else { return }
            guard let next = takeWaiting() else {
                group.releaseSlot(from: self)
                return
            }
            start(next)
        }
    }
}
