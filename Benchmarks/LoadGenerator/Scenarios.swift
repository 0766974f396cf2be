import Transports

/// What a scenario does with sessions. All of it runs on the generator's one loop.
class Scenario {
    unowned let owner: Generator
    /// Traffic is being generated (between start and stop).
    var running = false
    /// Copies or replies that never came.
    var missing = 0
    /// Copies that came after their broadcast was given up on.
    var late = 0

    init(owner: Generator) {
        self.owner = owner
    }

    /// The session's transport is open; call `owner.sessionReady` once it can carry traffic.
    func sessionOpened(_ session: Session) { owner.sessionReady(session) }
    func received(_ session: Session, _ payload: UnsafeRawBufferPointer) {}
    func sessionFailed(_ session: Session) {}
    func start() { running = true }
    func stop() { running = false }
    /// Nothing is outstanding any more.
    var isDrained: Bool { true }
    /// The drain timed out: count what is still outstanding as missing.
    func giveUp() {}
}

/// A message template whose timestamp digits are rewritten in place for each send.
struct StampedMessage {
    var bytes: [UInt8]
    /// Offset of the 16 timestamp digits.
    static let stampOffset = 1
    static let stampWidth = 16

    init(marker: UInt8, size: Int) {
        bytes = [marker]
        bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: Self.stampWidth))
        while bytes.count < size { bytes.append(UInt8(ascii: "x")) }
    }

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    @inline(__always)
    mutating func stamp(_ value: Int64, at offset: Int = stampOffset, width: Int = stampWidth) {
        bytes.withUnsafeMutableBytes { all in
            var rest = value
            var index = offset + width - 1
            while index >= offset {
                all[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
                index -= 1
            }
        }
    }
}

/// Scenarios that wait for one answer per message: they count what is outstanding per session
/// and in all, and what a failed session or a timed-out drain leaves unanswered is missing.
class RoundTripScenario: Scenario {
    var outstandingTotal = 0

    override func sessionFailed(_ session: Session) {
        missing += session.outstanding
        outstandingTotal -= session.outstanding
        session.outstanding = 0
    }

    override var isDrained: Bool { outstandingTotal <= 0 }

    override func giveUp() {
        for session in owner.sessions where !session.isFinished && session.outstanding > 0 {
            missing += session.outstanding
            session.outstanding = 0
        }
        outstandingTotal = 0
    }
}

// MARK: - Echo and pipelined echo

final class EchoScenario: RoundTripScenario {
    private let depth: Int
    private var message: StampedMessage

    init(owner: Generator, depth: Int, size: Int) {
        self.depth = depth
        self.message = StampedMessage(marker: UInt8(ascii: "E"), size: size)
        super.init(owner: owner)
    }

    override func start() {
        super.start()
        for session in owner.sessions where session.isReady && !session.isFinished {
            for _ in 0..<depth { send(on: session) }
        }
    }

    @inline(__always)
    private func send(on session: Session) {
        message.stamp(MonotonicClock.microseconds())
        session.send(message: message.bytes)
        session.outstanding += 1
        outstandingTotal += 1
    }

    override func received(_ session: Session, _ payload: UnsafeRawBufferPointer) {
        guard payload.count > StampedMessage.stampWidth, payload[0] == UInt8(ascii: "E"),
              let sent = Bytes.readDigits(payload, at: StampedMessage.stampOffset, width: StampedMessage.stampWidth) else {
            owner.unexpected(session, payload)
            return
        }
        session.outstanding -= 1
        outstandingTotal -= 1
        owner.delivered(latency: owner.loop.readTime - sent)
        if running { send(on: session) }
    }
}

// MARK: - Broadcast

/// One publisher sends broadcasts; every session (publisher included) gets each one. A
/// broadcast is complete when every session has it; `inFlight` are outstanding at a time.
///
/// Engine level (`broadcast`): the publisher sends `B<stamp><sequence>x…` and every session
/// gets it as is (pushd's bench app and the peers' convention). Socket.IO level
/// (`socketio-broadcast`): sessions join the main namespace, the publisher emits
/// `["emit-all","b","<stamp><sequence>x…"]` and every socket gets `["b","…"]` (pushd's test
/// app, `namespace.broadcastAll.emit`: through the adapter, so across the nodes of a cluster).
final class BroadcastScenario: Scenario {
    enum Style {
        case engine, socketIO
        /// Sent by `POST /api/emit`; copies arrive as with `socketIO`.
        case api(APIPublisher)
    }

    private struct Entry {
        var sequence = -1
        var sentAt: Int64 = 0
        var remaining = 0
        var active = false
        var gaveUp = false
    }

    private let style: Style
    private let inFlight: Int
    private let timeoutMicroseconds: Int64
    /// What the publisher sends; the stamp and sequence digits are rewritten in place.
    private var message: StampedMessage
    /// Offset of the stamp in the message sent and in each copy received.
    private let sentStampOffset: Int
    private let copyPrefix: [UInt8]
    private var ring = [Entry](repeating: Entry(), count: 4096)
    private var nextSequence = 0
    private var active = 0
    private var publisher: Session?
    private var recipients = 0
    private var sweepTimer: Timer?
    private static let sequenceWidth = 10
    /// Broadcasts completed in the measured window.
    private(set) var completed = 0
    private static let namespaceConnect: [UInt8] = [UInt8(ascii: "0")]

    init(owner: Generator, style: Style, inFlight: Int, size: Int, timeout: Double) {
        self.style = style
        self.inFlight = inFlight
        self.timeoutMicroseconds = Int64(timeout * 1_000_000)
        let text = max(size, 1 + StampedMessage.stampWidth + Self.sequenceWidth)
        switch style {
        case .engine:
            copyPrefix = [UInt8(ascii: "B")]
            message = StampedMessage(marker: UInt8(ascii: "B"), size: text)
            sentStampOffset = StampedMessage.stampOffset
        case .socketIO, .api:
            // The event's string argument holds the stamp and sequence; `size` is its length.
            copyPrefix = Array("2[\"b\",\"".utf8)
            let head = Array((style.isAPI ? "{\"event\":\"b\",\"args\":[\"" : "2[\"emit-all\",\"b\",\"").utf8)
            var bytes = head
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: StampedMessage.stampWidth + Self.sequenceWidth))
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "x"), count: text - StampedMessage.stampWidth - Self.sequenceWidth))
            bytes.append(contentsOf: (style.isAPI ? "\"]}" : "\"]").utf8)
            message = StampedMessage(bytes: bytes)
            sentStampOffset = head.count
        }
        super.init(owner: owner)
    }

    override func sessionOpened(_ session: Session) {
        if style.joinsNamespace {
            session.send(message: Self.namespaceConnect) // `40`: ready once the server answers `40{…}`
        } else {
            owner.sessionReady(session)
        }
    }

    override func start() {
        super.start()
        publisher = owner.sessions.first { $0.isReady && !$0.isFinished }
        recipients = owner.sessions.filter { $0.isReady && !$0.isFinished }.count
        guard publisher != nil else { return }
        for _ in 0..<inFlight { publish() }
        scheduleSweep()
    }

    override func stop() {
        super.stop()
    }

    private func scheduleSweep() {
        sweepTimer = owner.loop.schedule(after: 100) { [weak self] in
            guard let self else { return }
            self.sweep()
            if self.running || self.active > 0 { self.scheduleSweep() }
        }
    }

    private func publish() {
        guard let publisher, !publisher.isFinished, recipients > 0 else { return }
        let sequence = nextSequence
        nextSequence += 1
        let now = MonotonicClock.microseconds()
        message.stamp(now, at: sentStampOffset)
        message.stamp(Int64(sequence), at: sentStampOffset + StampedMessage.stampWidth, width: Self.sequenceWidth)
        let slot = sequence % ring.count
        if ring[slot].active {
            // Still open 4096 broadcasts later: give it up.
            expire(slot)
        }
        ring[slot] = Entry(sequence: sequence, sentAt: now, remaining: recipients, active: true, gaveUp: false)
        active += 1
        if case .api(let api) = style {
            api.emit(body: message.bytes)
        } else {
            publisher.send(message: message.bytes)
        }
    }

    override func received(_ session: Session, _ payload: UnsafeRawBufferPointer) {
        if style.joinsNamespace && !session.isReady {
            switch payload.first {
            case UInt8(ascii: "0"): owner.sessionReady(session)
            case UInt8(ascii: "4"): session.fail("namespace connection refused: \(String(decoding: payload, as: UTF8.self))")
            default: owner.unexpected(session, payload)
            }
            return
        }
        let stampOffset = copyPrefix.count
        let sequenceOffset = stampOffset + StampedMessage.stampWidth
        guard payload.count >= sequenceOffset + Self.sequenceWidth, Bytes.hasPrefix(payload, at: 0, copyPrefix),
              let sent = Bytes.readDigits(payload, at: stampOffset, width: StampedMessage.stampWidth),
              let sequence64 = Bytes.readDigits(payload, at: sequenceOffset, width: Self.sequenceWidth) else {
            owner.unexpected(session, payload)
            return
        }
        let sequence = Int(sequence64)
        if sequence < session.expectedSequence {
            owner.count(error: "duplicate or reordered broadcast copy")
            return
        }
        // Copies are delivered in order per session: a gap means copies that will never come.
        if sequence > session.expectedSequence {
            for skipped in session.expectedSequence..<sequence { lose(skipped) }
        }
        session.expectedSequence = sequence + 1
        let slot = sequence % ring.count
        guard ring[slot].sequence == sequence else { return }
        owner.delivered(latency: owner.loop.readTime - sent)
        if ring[slot].gaveUp {
            late += 1
            missing -= 1
            return
        }
        guard ring[slot].active else { return }
        ring[slot].remaining -= 1
        if ring[slot].remaining <= 0 { complete(slot) }
    }

    /// A copy of `sequence` will not arrive for one session.
    private func lose(_ sequence: Int) {
        let slot = sequence % ring.count
        guard ring[slot].sequence == sequence, ring[slot].active else { return }
        missing += 1
        ring[slot].remaining -= 1
        if ring[slot].remaining <= 0 { complete(slot) }
    }

    private func complete(_ slot: Int) {
        ring[slot].active = false
        active -= 1
        owner.broadcastCompleted()
        if running { publish() }
    }

    private func expire(_ slot: Int) {
        missing += ring[slot].remaining
        ring[slot].gaveUp = true
        complete(slot)
    }

    /// Gives up broadcasts older than the timeout.
    private func sweep() {
        let now = MonotonicClock.microseconds()
        for slot in ring.indices where ring[slot].active && now - ring[slot].sentAt > timeoutMicroseconds {
            owner.count(error: "broadcast incomplete after \(Int(timeoutMicroseconds / 1_000_000)) s")
            expire(slot)
        }
    }

    override func sessionFailed(_ session: Session) {
        guard running || active > 0 else { return }
        recipients -= 1
        // The session's copies of broadcasts in flight will not come.
        if session.expectedSequence < nextSequence {
            for sequence in session.expectedSequence..<nextSequence { lose(sequence) }
        }
        session.expectedSequence = nextSequence
        if session === publisher && !style.isAPI {
            owner.count(error: "the publisher session failed")
            running = false
        }
    }

    override var isDrained: Bool { active == 0 }

    override func giveUp() {
        for slot in ring.indices where ring[slot].active { expire(slot) }
        sweepTimer?.cancel()
    }
}

extension BroadcastScenario.Style {
    var isAPI: Bool { if case .api = self { true } else { false } }
    var joinsNamespace: Bool { if case .engine = self { false } else { true } }
}

/// Sends `POST /api/emit` on one keep-alive connection, pipelined, and counts the answers
/// (anything but 200 is an error).
final class APIPublisher: ClientSocketDelegate {
    unowned let owner: Generator
    let port: Int
    private let head: [UInt8]
    private var socket: ClientSocket?
    private var unanswered = 0
    private(set) var answered = 0

    init(owner: Generator, port: Int, key: String) {
        self.owner = owner
        self.port = port
        head = Array("POST /api/emit HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(key)\r\nContent-Type: application/json\r\nContent-Length: ".utf8)
    }

    func emit(body: [UInt8]) {
        if socket == nil {
            switch owner.loop.connect(port: port, delegate: self) {
            case .success(let socket): self.socket = socket
            case .failure(let error):
                owner.count(error: "API connection failed: \(error)")
                return
            }
        }
        guard let socket else { return }
        socket.out.append(contentsOf: head)
        Bytes.appendDecimal(body.count, into: &socket.out)
        socket.out.append(contentsOf: Bytes.crlfcrlf)
        socket.out.append(contentsOf: body)
        socket.markDirty()
        owner.loop.counters.httpRequests += 1
        unanswered += 1
    }

    func socketDidConnect(_ socket: ClientSocket) {}

    func socketDidClose(_ socket: ClientSocket, reason: String) {
        self.socket = nil
        if unanswered > 0 { owner.count(error: "API connection closed with \(unanswered) calls unanswered: \(reason)") }
        unanswered = 0
    }

    func socket(_ socket: ClientSocket, didRead bytes: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        while offset < bytes.count {
            switch HTTPResponseReader.read(UnsafeRawBufferPointer(rebasing: bytes[offset...])) {
            case .incomplete:
                return offset
            case .invalid(let reason):
                socket.close()
                socketDidClose(socket, reason: reason)
                return bytes.count
            case .stream:
                socket.close()
                socketDidClose(socket, reason: "an event stream answered the API")
                return bytes.count
            case .response(let head, _, let end):
                offset += end
                unanswered -= 1
                answered += 1
                if head.status != 200 { owner.count(error: "API answered \(head.status)") }
            }
        }
        return offset
    }
}

// MARK: - Idle

final class IdleScenario: Scenario {}

/// Joins the main namespace (`40`), ready once the server answers `40{…}`, then holds.
final class SocketIOIdleScenario: Scenario {
    private static let namespaceConnect: [UInt8] = [UInt8(ascii: "0")]

    override func sessionOpened(_ session: Session) {
        session.send(message: Self.namespaceConnect)
    }

    override func received(_ session: Session, _ payload: UnsafeRawBufferPointer) {
        guard !session.isReady else { return owner.unexpected(session, payload) }
        switch payload.first {
        case UInt8(ascii: "0"): owner.sessionReady(session)
        case UInt8(ascii: "4"): session.fail("namespace connection refused: \(String(decoding: payload, as: UTF8.self))")
        default: owner.unexpected(session, payload)
        }
    }
}

// MARK: - Socket.IO event with acknowledgement

/// Joins the main namespace (`40`), then sends `42<id>["ping",<id>]` and waits for `43<id>[…]`,
/// one at a time per session.
final class SocketIOAckScenario: RoundTripScenario {
    private static let connect: [UInt8] = [UInt8(ascii: "0")]

    override func sessionOpened(_ session: Session) {
        session.send(message: Self.connect)
    }

    override func start() {
        super.start()
        for session in owner.sessions where session.isReady && !session.isFinished { emit(on: session) }
    }

    private func emit(on session: Session) {
        let id = session.nextAckID
        session.nextAckID += 1
        var packet: [UInt8] = [UInt8(ascii: "2")]
        Bytes.appendDecimal(id, into: &packet)
        packet.append(contentsOf: "[\"ping\",".utf8)
        Bytes.appendDecimal(id, into: &packet)
        packet.append(UInt8(ascii: "]"))
        session.sentAt = MonotonicClock.microseconds()
        session.outstanding = 1
        outstandingTotal += 1
        session.send(message: packet)
    }

    override func received(_ session: Session, _ payload: UnsafeRawBufferPointer) {
        guard let type = payload.first else { return }
        switch type {
        case UInt8(ascii: "0"):
            if !session.isReady { owner.sessionReady(session) }
        case UInt8(ascii: "3"):
            guard let (id, _) = Bytes.readDecimal(payload, at: 1), id == session.nextAckID - 1, session.outstanding == 1 else {
                owner.unexpected(session, payload)
                return
            }
            session.outstanding = 0
            outstandingTotal -= 1
            owner.delivered(latency: owner.loop.readTime - session.sentAt)
            if running { emit(on: session) }
        case UInt8(ascii: "4"):
            session.fail("namespace connection refused: \(String(decoding: payload, as: UTF8.self))")
        default:
            break // events the app emits on its own
        }
    }
}
