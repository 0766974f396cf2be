/// Engine session settings held once and shared by reference by every session of a server.
public final class EngineSessionSettings: Sendable {
    public let config: EngineSessionConfig
    /// The open packet's JSON after the sid, for sessions that may upgrade and for those that
    /// may not: the same for every session, so written once here.
    let openTailWithUpgrades: [UInt8]
    let openTailWithoutUpgrades: [UInt8]

    public init(_ config: EngineSessionConfig) {
        self.config = config
        func tail(_ upgrades: [String]) -> [UInt8] {
            EngineHandshake.tail(upgrades: upgrades, pingInterval: Int(config.pingInterval),
                                 pingTimeout: Int(config.pingTimeout), maxPayload: config.maxPayload)
        }
        openTailWithUpgrades = tail(EngineTransportKind.upgradeTargets)
        openTailWithoutUpgrades = tail([])
    }
}

/// Settings of every engine session, with Engine.IO's defaults.
public struct EngineSessionConfig: Sendable {
    public var pingInterval: Int64 = 25_000
    public var pingTimeout: Int64 = 20_000
    public var maxPayload: Int = 1_000_000
    /// Bytes a session may have waiting (its own queue, each packet counted at its memory cost,
    /// plus its transport's unsent bytes); past it the session is closed as a slow consumer.
    public var maxQueueBytes: Int = 1 << 20
    /// Past this backlog volatile packets are dropped instead of queued.
    public var volatileDropBytes: Int = 64 << 10
    /// Whether sessions may upgrade to WebSocket.
    public var allowUpgrades = true
    /// Messages a client may send per second on average (bursts of twice that); past it the
    /// server stops reading from it for a while. 0: unlimited.
    public var maxMessagesPerSecond = 2_000
    /// Milliseconds a probe WebSocket has to complete the upgrade ("5") before it is closed;
    /// the session carries on over its transport.
    public var upgradeTimeout: Int64 = 10_000

    public init() {}
}

/// What happened to a packet handed to `enqueue`.
public enum EnqueueOutcome: Equatable {
    case queued
    /// A volatile packet dropped because the consumer is behind.
    case droppedVolatile
    /// The session is over its byte cap: close it.
    case overflow
    /// The session is closed.
    case closed
}

/// What a heartbeat check asks for.
public enum HeartbeatOutcome: Equatable {
    case none
    /// A ping was queued: flush it.
    case pingQueued
    /// No pong within pingTimeout: close the session.
    case timeout
}

/// One Engine.IO session's state, free of I/O and clocks: transports feed it packets, requests
/// and the time, and carry out what it answers (the queue and heartbeat here; the transport
/// and upgrade in EngineSession+Transport). A value: the socket that carries it out holds it
/// inline, so a packet going down reaches the session's state without another object.
public struct EngineSession {
    // What a packet going down reads comes first (see `admit`); the rest after.
    /// Where packets go down, and the upgrade in progress.
    public internal(set) var transportState: EngineTransportState
    // The next two sit in the transport state's tail padding: every session holds them.
    /// Whether a ping went out and its pong is awaited.
    @usableFromInline var pingInFlight = false
    private var queueHead32: Int32 = 0
    /// What the queue holds in memory: the packets' `queueCost`.
    public private(set) var queuedBytes = 0
    /// Shared by every session of a server: one reference each instead of a copy (64 bytes
    /// per session).
    @usableFromInline let settings: EngineSessionSettings
    public var config: EngineSessionConfig { settings.config }
    private var queue: [OutboundPacket] = []
    public let id: String
    @usableFromInline var nextPingAt: Int64
    /// Volatile packets dropped so far.
    public private(set) var droppedVolatile = 0
    /// Event stream only: what a reopened stream resumes from.
    private var eventStreamLog: EventStreamLog?
    /// While the event stream is detached: when the session gives up waiting for it (`.max`
    /// otherwise, which keeps an optional's tag byte out of every session).
    @usableFromInline var detachedUntil = Int64.max

    private var queueHead: Int {
        get { Int(queueHead32) }
        set { queueHead32 = Int32(truncatingIfNeeded: newValue) }
    }

    /// When the ping in flight went out: it was due one interval before the next one.
    private var pingSentAt: Int64? { pingInFlight ? nextPingAt - config.pingInterval : nil }

    public init(id: String, transport: EngineTransportKind, settings: EngineSessionSettings, now: Int64) {
        self.id = id
        self.transportState = EngineTransportState(transport: transport)
        self.settings = settings
        self.nextPingAt = now + settings.config.pingInterval
    }

    /// A session with settings of its own (tests, one-off sessions).
    public init(id: String, transport: EngineTransportKind, config: EngineSessionConfig, now: Int64) {
        self.init(id: id, transport: transport, settings: EngineSessionSettings(config), now: now)
    }

    /// The transport packets currently go down on.
    public var transport: EngineTransportKind { transportState.transport }

    /// Whether the session is closed (nothing goes down or comes up any more).
    @inlinable public var isClosed: Bool { transportState.isClosed }

    /// The handshake packet: `0{"sid":...}`.
    public func openPacket() -> EnginePacket {
        let upgrades = config.allowUpgrades && transport.canUpgrade
        return EnginePacket(type: .open, payload: EngineHandshake.json(
            sid: id, tail: upgrades ? settings.openTailWithUpgrades : settings.openTailWithoutUpgrades))
    }

    // MARK: Down

    /// Queues a packet. `transportBacklog` is what the transport holds unsent.
    public mutating func enqueue(_ packet: OutboundPacket, transportBacklog: Int = 0) -> EnqueueOutcome {
        let outcome = admit(packet, transportBacklog: transportBacklog)
        if outcome == .queued {
            queue.append(packet)
            queuedBytes += packet.queueCost
        }
        return outcome
    }

    /// Applies the queue policy (volatile drop, byte cap) without queueing: `.queued` means the
    /// packet may go out now. A transport that can write at once with nothing queued uses this
    /// instead of `enqueue`, which keeps the order (the queue is empty) and skips a copy.
    @inlinable
    public mutating func admit(_ packet: OutboundPacket, transportBacklog: Int = 0) -> EnqueueOutcome {
        admit(cost: packet.queueCost, isVolatile: packet.isVolatile, transportBacklog: transportBacklog)
    }

    /// `admit` for a packet not wrapped in an `OutboundPacket`: `cost` is its queue cost.
    /// Inlined where a transport writes: the common answer (open, room left, not volatile)
    /// takes three comparisons.
    @inlinable
    public mutating func admit(cost: Int, isVolatile: Bool, transportBacklog: Int = 0) -> EnqueueOutcome {
        if !isVolatile && queuedBytes &+ transportBacklog &+ cost <= settings.config.maxQueueBytes && !transportState.isClosed {
            return .queued
        }
        return admitChecked(cost: cost, isVolatile: isVolatile, transportBacklog: transportBacklog)
    }

    @usableFromInline
    mutating func admitChecked(cost: Int, isVolatile: Bool, transportBacklog: Int) -> EnqueueOutcome {
        guard !isClosed else { return .closed }
        let backlog = queuedBytes + transportBacklog
        if isVolatile && backlog > config.volatileDropBytes {
            droppedVolatile += 1
            return .droppedVolatile
        }
        if backlog + cost > config.maxQueueBytes { return .overflow }
        return .queued
    }

    /// Whether packets wait for the transport. Read from the count kept inline, not the
    /// queue's storage: every packet costs more than 0, and a broadcast asks this of every
    /// recipient, most of whose queue storage is out of the cache.
    public var hasQueued: Bool {
        assert((queuedBytes > 0) == (queueHead < queue.count), "queuedBytes out of step with the queue")
        return queuedBytes > 0
    }

    /// Hands queued packets to the transport, oldest first. Polling responses pass
    /// `maxBytes` so one response stays within the client's maxPayload; at least one packet is
    /// taken when any is queued.
    public mutating func takeQueued(maxBytes: Int = .max, maxPackets: Int = .max) -> ArraySlice<OutboundPacket> {
        let start = queueHead
        var bytes = 0
        var cost = 0
        while queueHead < queue.count {
            let packet = queue[queueHead]
            if queueHead > start && (bytes + packet.byteCount > maxBytes || queueHead - start >= maxPackets) { break }
            bytes += packet.byteCount
            cost += packet.queueCost
            queueHead += 1
        }
        queuedBytes -= cost
        let taken = queue[start..<queueHead]
        if queueHead == queue.count {
            queue.empty(keepingStorageUpTo: 64)
            queueHead = 0
            return ArraySlice(Array(taken))
        }
        return taken
    }

    // MARK: Event stream log

    /// The number of the last packet written on the event stream (its SSE `id:`).
    public var streamSequence: UInt64 { eventStreamLog?.sequence ?? 0 }

    /// The open packet goes out on the event stream as number 1.
    mutating func numberOpenPacket() {
        streamLog().numberOpenPacket()
    }

    /// Packets written on the event stream now, numbered from `streamSequence + 1`.
    mutating func recordStreamed(_ packets: ArraySlice<OutboundPacket>) {
        streamLog().record(packets)
    }

    /// The packets written after `sequence`, taken out of the log; nil when some of them are
    /// no longer kept.
    func takeStreamed(after sequence: UInt64) -> [OutboundPacket]? {
        eventStreamLog?.take(after: sequence)
    }

    private mutating func streamLog() -> EventStreamLog {
        if let log = eventStreamLog { return log }
        let log = EventStreamLog()
        eventStreamLog = log
        return log
    }

    /// Puts packets back in front of the queue.
    mutating func requeueFirst(_ packets: [OutboundPacket]) {
        guard !packets.isEmpty else { return }
        queue = packets + queue[queueHead...]
        queueHead = 0
        queuedBytes += packets.reduce(0) { $0 + $1.queueCost }
    }

    // MARK: Heartbeat

    /// When `heartbeat` should next run.
    public var nextDeadline: Int64 {
        let heartbeat = pingSentAt.map { $0 + config.pingTimeout } ?? nextPingAt
        return min(heartbeat, detachedUntil)
    }

    /// Sends pings every pingInterval and times out when a pong is late (or a detached event
    /// stream did not come back in time).
    public mutating func heartbeat(now: Int64) -> HeartbeatOutcome {
        guard !isClosed else { return .none }
        if now >= detachedUntil { return .timeout }
        if let sent = pingSentAt {
            return now >= sent + config.pingTimeout ? .timeout : .none
        }
        guard now >= nextPingAt else { return .none }
        // Deadlines count from when the ping was due, not from when a busy loop got to it, so
        // a session times out pingInterval + pingTimeout after its last sign of life.
        pingInFlight = true
        nextPingAt += config.pingInterval
        // The ping bypasses the byte cap: it is tiny and the session's liveness depends on it.
        let ping = OutboundPacket(.ping())
        queue.append(ping)
        queuedBytes += ping.queueCost
        return .pingQueued
    }

    /// When the ping in flight went out, or when the next one is due.
    var pingDueAt: Int64 { pingSentAt ?? nextPingAt }

    /// Whether the session is past its heartbeat deadline (checked when a request arrives, so
    /// a timer that has not fired yet cannot keep a dead session answering).
    /// Inlined: the caller (every polling request) then reads the session in place rather
    /// than copying it to call across modules.
    @inlinable
    public func isExpired(now: Int64) -> Bool {
        // From the ping in flight's send, or else from when the next one is due.
        let since = pingInFlight ? nextPingAt - settings.config.pingInterval : nextPingAt
        return !isClosed && (now >= since + settings.config.pingTimeout || now >= detachedUntil)
    }

    // MARK: Closing

    /// Drops the queue of a session that just closed.
    mutating func dropQueue() {
        queue.removeAll()
        queueHead = 0
        queuedBytes = 0
        eventStreamLog?.removeAll()
        detachedUntil = .max
    }

    /// Records a pong: the ping it answers is no longer awaited, and what the stream carried up
    /// to that ping has arrived.
    mutating func pongReceived() {
        pingInFlight = false
        eventStreamLog?.pongReceived()
    }
}
