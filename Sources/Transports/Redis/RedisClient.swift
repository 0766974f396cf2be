import PushCore

/// A Redis client on one event loop: a command connection (pipelined, replies in order) and a
/// subscriber connection. Both reconnect with backoff and the subscriber resubscribes.
/// Loop-confined (see LoopConfined), except `start`: its entry points assert they run on `loop`.
package final class RedisClient: LoopConfined, @unchecked Sendable {
    package let url: RedisURL
    package let loop: EventLoop
    /// A pub/sub message: channel and payload (on the loop).
    package var onMessage: (String, [UInt8]) -> Void = { _, _ in }
    /// Called on the loop when the command connection comes up or goes down.
    package var onAvailability: (Bool) -> Void = { _ in }
    private var commands: RedisLink?
    private var subscriber: RedisLink?
    private var channels: Set<String> = []
    private var outageStarted: Int64?
    /// Commands refused while Redis was unreachable (publishes lost to other nodes).
    package private(set) var droppedWhileDown = 0
    /// Commands refused while Redis was unreachable, since start.
    package private(set) var droppedTotal = 0
    private var backoff: Int64 = 100

    package init(url: RedisURL, loop: EventLoop) {
        self.url = url
        self.loop = loop
    }

    /// Connects both links (from any thread).
    package func start() {
        loop.execute { [self] in
            connect(subscriberLink: false)
            connect(subscriberLink: true)
        }
    }

    package var isAvailable: Bool {
        assertInLoop()
        return commands?.isReady ?? false
    }

    /// Sends a command; `reply` gets the answer, or an error value when Redis is unreachable.
    package func send(_ arguments: [[UInt8]], reply: ((RESPValue) -> Void)? = nil) {
        assertInLoop()
        guard let link = commands, link.isReady else {
            droppedWhileDown += 1
            droppedTotal += 1
            reply?(.error("ERR redis unreachable"))
            return
        }
        link.send(arguments, reply: reply)
    }

    package func send(_ arguments: String..., reply: ((RESPValue) -> Void)? = nil) {
        send(arguments.map { Array($0.utf8) }, reply: reply)
    }

    /// Subscribes now and after every reconnect.
    package func subscribe(_ channel: String) {
        assertInLoop()
        guard channels.insert(channel).inserted else { return }
        if let link = subscriber, link.isReady { link.send([Array("SUBSCRIBE".utf8), Array(channel.utf8)], reply: nil) }
    }

    // MARK: Connecting

    private func connect(subscriberLink: Bool) {
        assertInLoop()
        Connector.connect(on: loop, host: url.host, port: url.port, timeoutMilliseconds: 2_000, makeHandler: {
            RedisLink(isSubscriber: subscriberLink)
        }) { [self] result in
            switch result {
            case .failure(let error):
                linkLost(subscriberLink: subscriberLink, error: "\(error)")
            case .success(let connection):
                guard let link = connection.handler as? RedisLink else { return }
                link.connection = connection
                link.onClose = { [weak self] in self?.linkLost(subscriberLink: subscriberLink, error: "connection closed") }
                link.onMessage = { [weak self] channel, payload in self?.onMessage(channel, payload) }
                handshake(link, subscriberLink: subscriberLink)
            }
        }
    }

    /// AUTH and SELECT, then the link is ready (and the subscriber resubscribes).
    private func handshake(_ link: RedisLink, subscriberLink: Bool) {
        assertInLoop()
        if let password = url.password {
            var auth = [Array("AUTH".utf8)]
            if let user = url.username { auth.append(Array(user.utf8)) }
            auth.append(Array(password.utf8))
            link.send(auth) { reply in
                if case .error(let message) = reply { Log.error("redis AUTH failed: \(message)") }
            }
        }
        if url.database != 0 && !subscriberLink {
            link.send([Array("SELECT".utf8), Array(String(url.database).utf8)], reply: nil)
        }
        link.isReady = true
        if subscriberLink {
            subscriber = link
            for channel in channels { link.send([Array("SUBSCRIBE".utf8), Array(channel.utf8)], reply: nil) }
        } else {
            commands = link
            backoff = 100
            if let started = outageStarted {
                Log.warning("redis \(url.redacted) reachable again after \(loop.now - started) ms; "
                    + "\(droppedWhileDown) cluster messages were not delivered to other nodes meanwhile")
                outageStarted = nil
            } else {
                Log.info("redis \(url.redacted) connected")
            }
            onAvailability(true)
        }
    }

    private func linkLost(subscriberLink: Bool, error: String) {
        assertInLoop()
        if subscriberLink { subscriber = nil } else {
            let wasUp = commands != nil
            commands = nil
            if outageStarted == nil {
                outageStarted = loop.now
                droppedWhileDown = 0
                Log.error("redis \(url.redacted) unreachable (\(error)); serving local clients, retrying with backoff")
            }
            if wasUp { onAvailability(false) }
        }
        let delay = backoff
        backoff = min(backoff * 2, 5_000)
        loop.schedule(after: delay) { [self] in connect(subscriberLink: subscriberLink) }
    }
}

/// One Redis connection: replies matched to commands in order; pub/sub messages to a callback.
/// Loop-confined (see LoopConfined): `send` asserts, and the rest is called by its connection.
final class RedisLink: ConnectionHandler {
    let isSubscriber: Bool
    var connection: Connection?
    var isReady = false
    var onClose: () -> Void = {}
    var onMessage: (String, [UInt8]) -> Void = { _, _ in }
    private var waiting: [((RESPValue) -> Void)?] = []
    private var waitingHead = 0
    private let decoder = RESPDecoder()

    init(isSubscriber: Bool) {
        self.isSubscriber = isSubscriber
    }

    func send(_ arguments: [[UInt8]], reply: ((RESPValue) -> Void)?) {
        assert(connection.map { $0.loop.isOwnedByCaller } ?? true, "RedisLink.send called off its event loop")
        var bytes: [UInt8] = []
        RESPEncoder.command(arguments, into: &bytes)
        if !isSubscriber { waiting.append(reply) }
        connection?.write(bytes)
    }

    override func connection(_ connection: Connection, didRead input: UnsafeMutableRawBufferPointer) -> Int {
        var consumed = 0
        while consumed < input.count {
            let decoded: (value: RESPValue, consumed: Int)?
            do {
                decoded = try decoder.decode(UnsafeRawBufferPointer(rebasing: input[consumed...]))
            } catch {
                Log.error("redis protocol error: \(error)")
                connection.close()
                return input.count
            }
            guard let (value, used) = decoded else { break }
            consumed += used
            handle(value)
        }
        return consumed
    }

    private func handle(_ value: RESPValue) {
        if isSubscriber {
            // ["message", channel, payload]; subscribe confirmations are ignored.
            if let items = value.elements, items.count == 3, items[0].string == "message",
               let channel = items[1].string, let payload = items[2].bytes {
                onMessage(channel, payload)
            }
            return
        }
        guard waitingHead < waiting.count else { return }
        let reply = waiting[waitingHead]
        waitingHead += 1
        if waitingHead > 256 && waitingHead * 2 > waiting.count {
            waiting.removeFirst(waitingHead)
            waitingHead = 0
        }
        reply?(value)
    }

    override func connectionDidDrain(_ connection: Connection) {}

    override func connectionDidClose(_ connection: Connection) {
        isReady = false
        let pending = waiting[waitingHead...]
        waiting = []
        waitingHead = 0
        for reply in pending { reply?(.error("ERR connection closed")) }
        onClose()
    }
}
