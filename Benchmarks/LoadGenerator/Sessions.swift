import PushCore
import Transports

/// One client session over some transport. The generator and the scenario see only this:
/// `start()`, `send(message:)`, `close()`, and the owner's callbacks.
class Session {
    let index: Int
    /// Which of the generator's ports the session connects to.
    let portIndex: Int
    unowned let owner: Generator
    /// The engine session (or the raw WebSocket) is open.
    var isOpen = false
    /// Failed or closed; nothing more is sent or counted.
    var isFinished = false
    /// When the first connection attempt started (microseconds).
    var startedAt: Int64 = 0

    // Scenario state, kept here to avoid per-session lookups.
    var outstanding = 0
    var expectedSequence = 0
    var sentAt: Int64 = 0
    var nextAckID = 0
    var isReady = false

    init(index: Int, portIndex: Int = 0, owner: Generator) {
        self.index = index
        self.portIndex = portIndex
        self.owner = owner
    }

    var port: Int { owner.options.ports[portIndex] }

    func start() {}
    /// Sends one message: an Engine.IO message packet, or a raw WebSocket text message.
    func send(message payload: UnsafeRawBufferPointer) {}
    func close() {}

    func send(message bytes: [UInt8]) {
        bytes.withUnsafeBytes { send(message: $0) }
    }

    /// Handles one Engine.IO packet in its text form (type digit first).
    final func receiveEnginePacket(_ packet: UnsafeRawBufferPointer) {
        guard let type = packet.first else { return }
        switch type {
        case UInt8(ascii: "4"):
            owner.session(self, received: UnsafeRawBufferPointer(rebasing: packet[1...]))
        case UInt8(ascii: "2"):
            sendPong()
        case UInt8(ascii: "0"):
            guard !isOpen else { return }
            opened(packet)
        case UInt8(ascii: "1"):
            fail("server sent a close packet")
        case UInt8(ascii: "b"):
            owner.session(self, received: UnsafeRawBufferPointer(rebasing: packet[1...]))
        default:
            break // noop, pong
        }
    }

    /// The open packet arrived.
    func opened(_ packet: UnsafeRawBufferPointer) {
        isOpen = true
        owner.sessionOpened(self)
    }

    func sendPong() {}

    final func fail(_ reason: String) {
        guard !isFinished else { return }
        isFinished = true
        close()
        owner.sessionFailed(self, reason: reason)
    }
}

// MARK: - WebSocket

final class WebSocketSession: Session, ClientSocketDelegate {
    private var socket: ClientSocket?
    private var upgraded = false
    private var fragments: [UInt8] = []
    private var fragmentsOpen = false

    override func start() {
        startedAt = MonotonicClock.microseconds()
        switch owner.loop.connect(port: port, delegate: self) {
        case .success(let socket):
            self.socket = socket
            socket.send(owner.requests.webSocketUpgrade[portIndex])
        case .failure(let error):
            fail(error.description)
        }
    }

    func socketDidConnect(_ socket: ClientSocket) {}

    func socketDidClose(_ socket: ClientSocket, reason: String) {
        self.socket = nil
        fail(upgraded ? "websocket: \(reason)" : "handshake: \(reason)")
    }

    override func close() {
        socket?.close(reset: true)
        socket = nil
    }

    override func send(message payload: UnsafeRawBufferPointer) {
        guard let socket else { return }
        let key = UInt32(truncatingIfNeeded: owner.random.next())
        ClientFrameEncoder.append(opcode: 1, prefix: owner.engineFraming ? UInt8(ascii: "4") : nil, payload: payload, key: key, into: &socket.out)
        socket.markDirty()
    }

    override func sendPong() {
        guard let socket else { return }
        let pong: [UInt8] = [UInt8(ascii: "3")]
        pong.withUnsafeBytes {
            ClientFrameEncoder.append(opcode: 1, prefix: nil, payload: $0, key: UInt32(truncatingIfNeeded: owner.random.next()), into: &socket.out)
        }
        socket.markDirty()
    }

    func socket(_ socket: ClientSocket, didRead bytes: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        if !upgraded {
            switch HTTPResponseHeadParser.parse(bytes) {
            case .incomplete:
                return 0
            case .invalid:
                fail("handshake: unreadable response")
                return bytes.count
            case .head(let head):
                guard head.status == 101 else {
                    fail("handshake: HTTP \(head.status)")
                    return bytes.count
                }
                upgraded = true
                offset = head.length
                if !owner.engineFraming {
                    isOpen = true
                    owner.sessionOpened(self)
                    if isFinished { return bytes.count }
                }
            }
        }
        return offset + parseFrames(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
    }

    /// Handles every complete server frame; returns the bytes used.
    private func parseFrames(_ bytes: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        let count = bytes.count
        while count - offset >= 2 && !isFinished {
            let first = bytes[offset], second = bytes[offset + 1]
            if second & 0x80 != 0 {
                fail("websocket: masked frame from the server")
                return count
            }
            var length = Int(second & 0x7F)
            var header = 2
            if length == 126 {
                guard count - offset >= 4 else { break }
                length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
                header = 4
            } else if length == 127 {
                guard count - offset >= 10 else { break }
                length = 0
                for index in 2..<10 { length = length << 8 | Int(bytes[offset + index]) }
                header = 10
                if length > 64 << 20 || length < 0 {
                    fail("websocket: frame over 64 MiB")
                    return count
                }
            }
            guard count - offset >= header + length else { break }
            let payload = UnsafeRawBufferPointer(rebasing: bytes[(offset + header)..<(offset + header + length)])
            offset += header + length
            handleFrame(opcode: first & 0x0F, fin: first & 0x80 != 0, payload: payload)
        }
        return isFinished ? count : offset
    }

    private func handleFrame(opcode: UInt8, fin: Bool, payload: UnsafeRawBufferPointer) {
        switch opcode {
        case 1, 2:
            if fin {
                deliver(payload)
            } else {
                fragments = Array(payload)
                fragmentsOpen = true
            }
        case 0:
            guard fragmentsOpen else { fail("websocket: continuation without a message"); return }
            fragments.append(contentsOf: payload)
            if fin {
                fragmentsOpen = false
                let message = fragments
                fragments = []
                message.withUnsafeBytes { deliver($0) }
            }
        case 9:
            guard let socket else { return }
            ClientFrameEncoder.append(opcode: 10, prefix: nil, payload: payload, key: UInt32(truncatingIfNeeded: owner.random.next()), into: &socket.out)
            socket.markDirty()
        case 10:
            break
        case 8:
            var code = 1005
            if payload.count >= 2 { code = Int(payload[0]) << 8 | Int(payload[1]) }
            fail("websocket: closed by the server with code \(code)")
        default:
            fail("websocket: opcode \(opcode)")
        }
    }

    private func deliver(_ message: UnsafeRawBufferPointer) {
        if owner.engineFraming {
            receiveEnginePacket(message)
        } else {
            owner.session(self, received: message)
        }
    }
}

// MARK: - HTTP transports (long-polling, short-polling, sse)

/// A session whose packets come down on a GET (held, answered at once, or streamed as SSE)
/// and go up in POSTs on a shared keep-alive connection.
final class HTTPSession: Session, ClientSocketDelegate {
    private let kind: TransportKind
    private var getSocket: ClientSocket?
    /// The port `getSocket` is connected to.
    private var getSocketPort = 0
    private var streaming = false
    private var pollInFlight = false
    private var pollTimer: Timer?
    private(set) var sid: String?
    private var pollRequest: [UInt8] = []
    private(set) var postHead: [UInt8] = []
    private var postBody: [UInt8] = []
    private var postInFlight = false
    private var sawData = false

    init(index: Int, portIndex: Int, owner: Generator, kind: TransportKind) {
        self.kind = kind
        super.init(index: index, portIndex: portIndex, owner: owner)
    }

    /// Where requests after the handshake go: the session's node, or the forward port.
    private var requestPort: Int { isOpen ? owner.options.forwardPort ?? port : port }

    override func start() {
        startedAt = MonotonicClock.microseconds()
        guard openGetSocket() else { return }
        getSocket?.send(owner.requests.handshake[portIndex])
        owner.loop.counters.httpRequests += 1
        pollInFlight = true
    }

    private func openGetSocket() -> Bool {
        let target = requestPort
        switch owner.loop.connect(port: target, delegate: self) {
        case .success(let socket):
            getSocket = socket
            getSocketPort = target
            streaming = false
            return true
        case .failure(let error):
            fail(error.description)
            return false
        }
    }

    override func close() {
        pollTimer?.cancel()
        pollTimer = nil
        getSocket?.close(reset: true)
        getSocket = nil
    }

    override func opened(_ packet: UnsafeRawBufferPointer) {
        guard let sid = Bytes.jsonString(packet, key: "sid") else {
            fail("open packet without a sid")
            return
        }
        self.sid = sid
        let query = "\(owner.options.resolvedPath)?EIO=4&transport=\(kind.wireName)&sid=\(sid)"
        let host = "\(owner.options.host):\(owner.options.forwardPort ?? port)"
        pollRequest = Array("GET \(query) HTTP/1.1\r\nHost: \(host)\r\n\r\n".utf8)
        postHead = Array("POST \(query) HTTP/1.1\r\nHost: \(host)\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: ".utf8)
        super.opened(packet)
    }

    // MARK: Up

    override func send(message payload: UnsafeRawBufferPointer) {
        if !postBody.isEmpty { postBody.append(0x1E) }
        postBody.append(UInt8(ascii: "4"))
        postBody.append(contentsOf: payload)
        flushPost()
    }

    override func sendPong() {
        if !postBody.isEmpty { postBody.append(0x1E) }
        postBody.append(UInt8(ascii: "3"))
        flushPost()
    }

    private func flushPost() {
        guard !postInFlight, !postBody.isEmpty, !isFinished else { return }
        postInFlight = true
        let body = postBody
        postBody.removeAll(keepingCapacity: true)
        owner.postConnection(for: self).post(self, body: body)
    }

    /// The answer to this session's POST (status 0: the connection failed).
    func postCompleted(status: Int) {
        guard !isFinished else { return }
        guard status == 200 else {
            fail(status == 0 ? "POST connection closed" : "POST answered HTTP \(status)")
            return
        }
        postInFlight = false
        flushPost()
    }

    // MARK: Down

    private func poll() {
        pollTimer = nil
        guard !isFinished, !pollInFlight else { return }
        if getSocket == nil { guard openGetSocket() else { return } }
        getSocket?.send(pollRequest)
        owner.loop.counters.httpRequests += 1
        pollInFlight = true
    }

    func socketDidConnect(_ socket: ClientSocket) {}

    func socketDidClose(_ socket: ClientSocket, reason: String) {
        getSocket = nil
        if pollInFlight || streaming || !isOpen {
            fail("\(kind.rawValue) GET: \(reason)")
        }
    }

    func socket(_ socket: ClientSocket, didRead bytes: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        while offset < bytes.count && !isFinished {
            if streaming {
                return offset + parseEvents(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            }
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            switch HTTPResponseReader.read(rest) {
            case .incomplete:
                return offset
            case .invalid(let reason):
                fail("\(kind.rawValue) GET: \(reason)")
                return bytes.count
            case .stream(let head):
                guard head.status == 200 else {
                    fail("\(kind.rawValue) GET answered HTTP \(head.status)")
                    return bytes.count
                }
                streaming = true
                offset += head.length
            case .response(let head, let body, let end):
                guard head.status == 200 else {
                    fail("\(kind.rawValue) GET answered HTTP \(head.status)")
                    return bytes.count
                }
                offset += end
                pollInFlight = false
                var closed = false
                if head.closes {
                    getSocket?.close()
                    getSocket = nil
                    closed = true
                }
                sawData = false
                body.with(rest) { receivePayload($0) }
                guard !isFinished, isOpen else { return bytes.count }
                if !closed && getSocketPort != requestPort {
                    // The handshake is done: the next polls go to the forward port.
                    getSocket?.close()
                    getSocket = nil
                    closed = true
                }
                if kind == .shortPolling && !sawData {
                    pollTimer = owner.loop.schedule(after: owner.options.pollInterval) { [weak self] in self?.poll() }
                } else {
                    poll()
                }
                if closed { return bytes.count }
            }
        }
        return offset
    }

    /// Splits a polling payload on the record separator.
    private func receivePayload(_ body: UnsafeRawBufferPointer) {
        var start = 0
        while start <= body.count && !isFinished {
            let end = Bytes.find(0x1E, in: body, from: start, to: body.count) ?? body.count
            if end > start {
                if body[start] != UInt8(ascii: "6") { sawData = true }
                receiveEnginePacket(UnsafeRawBufferPointer(rebasing: body[start..<end]))
            }
            start = end + 1
        }
    }

    private static let dataPrefix = Array("data: ".utf8)
    private static let base64Event = Array("event: b64".utf8)

    /// Handles every complete SSE event (blocks ending in a blank line); returns bytes used.
    private func parseEvents(_ bytes: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        while !isFinished {
            // An event ends at "\n\n".
            var end: Int?
            var index = offset
            while index + 1 < bytes.count {
                if bytes[index] == 0x0A && bytes[index + 1] == 0x0A { end = index; break }
                index += 1
            }
            guard let blockEnd = end else { break }
            handleEvent(UnsafeRawBufferPointer(rebasing: bytes[offset..<blockEnd]))
            offset = blockEnd + 2
        }
        return isFinished ? bytes.count : offset
    }

    private func handleEvent(_ block: UnsafeRawBufferPointer) {
        var base64 = false
        var data: [UInt8]?
        var line = 0
        while line < block.count {
            let lineEnd = Bytes.find(0x0A, in: block, from: line, to: block.count) ?? block.count
            if Bytes.hasPrefix(block, at: line, Self.dataPrefix) {
                let value = UnsafeRawBufferPointer(rebasing: block[(line + Self.dataPrefix.count)..<lineEnd])
                if data == nil, lineEnd == block.count, !base64 {
                    // The common case: one data line, used in place.
                    receiveEnginePacket(value)
                    return
                }
                if data != nil { data!.append(0x0A) } else { data = [] }
                data!.append(contentsOf: value)
            } else if Bytes.hasPrefix(block, at: line, Self.base64Event) {
                base64 = true
            }
            line = lineEnd + 1
        }
        guard var text = data else { return } // a comment
        if base64 {
            guard let decoded = Base64.decode(text) else { fail("sse: bad base64 event"); return }
            text = decoded
        }
        text.withUnsafeBytes { receiveEnginePacket($0) }
    }
}

/// A keep-alive connection that carries the POSTs of many HTTP sessions, pipelined; answers
/// come back in request order.
final class PostConnection: ClientSocketDelegate {
    unowned let owner: Generator
    private var socket: ClientSocket?
    let port: Int
    /// Sessions whose POSTs are unanswered, in request order, with the time each was queued.
    private var waiting: [(session: HTTPSession, sentAt: Int64)] = []
    private var waitingHead = 0

    init(owner: Generator, port: Int) {
        self.owner = owner
        self.port = port
    }

    func post(_ session: HTTPSession, body: [UInt8]) {
        if socket == nil {
            switch owner.loop.connect(port: port, delegate: self) {
            case .success(let socket): self.socket = socket
            case .failure:
                session.postCompleted(status: 0)
                return
            }
        }
        guard let socket else { return }
        socket.out.append(contentsOf: session.postHead)
        Bytes.appendDecimal(body.count, into: &socket.out)
        socket.out.append(contentsOf: Bytes.crlfcrlf)
        socket.out.append(contentsOf: body)
        socket.markDirty()
        owner.loop.counters.httpRequests += 1
        waiting.append((session, MonotonicClock.microseconds()))
    }

    func close() {
        socket?.close(reset: true)
        socket = nil
    }

    func socketDidConnect(_ socket: ClientSocket) {}

    func socketDidClose(_ socket: ClientSocket, reason: String) {
        self.socket = nil
        let failed = waiting[waitingHead...]
        waiting = []
        waitingHead = 0
        for entry in failed { entry.session.postCompleted(status: 0) }
    }

    func socket(_ socket: ClientSocket, didRead bytes: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        while offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            switch HTTPResponseReader.read(rest) {
            case .incomplete:
                return offset
            case .invalid(let reason):
                socket.close()
                socketDidClose(socket, reason: reason)
                return bytes.count
            case .stream:
                socket.close()
                socketDidClose(socket, reason: "event stream on a POST")
                return bytes.count
            case .response(let head, _, let end):
                offset += end
                guard waitingHead < waiting.count else { return bytes.count }
                let (session, sentAt) = waiting[waitingHead]
                waitingHead += 1
                owner.postAnswered(after: owner.loop.readTime - sentAt)
                if waitingHead == waiting.count {
                    waiting.removeAll(keepingCapacity: true)
                    waitingHead = 0
                } else if waitingHead > 1024 {
                    waiting.removeFirst(waitingHead)
                    waitingHead = 0
                }
                if head.closes {
                    socket.close()
                    self.socket = nil
                    let rest = waiting[waitingHead...]
                    waiting = []
                    waitingHead = 0
                    session.postCompleted(status: head.status)
                    for other in rest { other.session.postCompleted(status: 0) }
                    return bytes.count
                }
                session.postCompleted(status: head.status)
            }
        }
        return offset
    }
}
