/// One recoverable event in the log: which sockets it was for, and its encoded messages (offset
/// included), to send again as they are.
public struct RecoveryLogEntry: Sendable {
    public let sequence: UInt64
    /// Milliseconds (the store's clock) when it was logged.
    public let loggedAt: Int64
    public let namespace: String
    /// Sockets in any of these rooms got it (all of the namespace when empty) ...
    public let rooms: Set<String>
    /// ... unless they were in one of these.
    public let except: Set<String>
    public let messages: [EnginePacket]
    public let byteCount: Int
    /// The node that sent it, and its number among that node's events (see RecoveryVector).
    public let origin: String
    public let originSequence: UInt64

    public init(sequence: UInt64, loggedAt: Int64, namespace: String, rooms: Set<String>, except: Set<String>,
                messages: [EnginePacket], origin: String = "", originSequence: UInt64 = 0) {
        self.sequence = sequence
        self.origin = origin
        self.originSequence = originSequence
        self.loggedAt = loggedAt
        self.namespace = namespace
        self.rooms = rooms
        self.except = except
        self.messages = messages
        self.byteCount = messages.reduce(64) { $0 + $1.payload.count + 1 } + rooms.count * 32 + except.count * 32
    }

    /// Whether a socket of `namespace` in `socketRooms` was one of the recipients (Socket.IO's
    /// rule: in one of the rooms, or no rooms named; and in none of the excepted ones).
    public func reaches(namespace: String, rooms socketRooms: Set<String>) -> Bool {
        guard namespace == self.namespace else { return false }
        if !rooms.isEmpty && rooms.isDisjoint(with: socketRooms) { return false }
        return except.isDisjoint(with: socketRooms)
    }
}

/// What a socket leaves behind when its connection drops: enough to bring it back.
public struct RecoverySnapshot: Sendable {
    /// The private session id the client presents to come back.
    public let pid: String
    public let socketID: String
    public let namespace: String
    public let rooms: Set<String>
    public let data: [String: JSONValue]
    /// Milliseconds (the store's clock) when it disconnected.
    public let disconnectedAt: Int64
    /// The log's last sequence when the socket connected: without an offset from the client
    /// (it got no event yet), missed events start after it.
    public let connectedAtSequence: UInt64
    /// In cluster mode, where the socket connected in every origin's events (what any node needs
    /// in place of `connectedAtSequence`).
    public let connectedAt: RecoveryVector?

    public init(pid: String, socketID: String, namespace: String, rooms: Set<String>, data: [String: JSONValue],
                disconnectedAt: Int64, connectedAtSequence: UInt64, connectedAt: RecoveryVector? = nil) {
        self.connectedAt = connectedAt
        self.pid = pid
        self.socketID = socketID
        self.namespace = namespace
        self.rooms = rooms
        self.data = data
        self.disconnectedAt = disconnectedAt
        self.connectedAtSequence = connectedAtSequence
    }

    /// Bytes the snapshot costs in the store, roughly.
    var byteCount: Int {
        var bytes = 160 + pid.utf8.count + socketID.utf8.count + namespace.utf8.count
        for room in rooms { bytes += room.utf8.count + 32 }
        var encoded: [UInt8] = []
        JSONValue.object(data.map { JSONMember($0.key, $0.value) }).serialize(into: &encoded)
        return bytes + encoded.count
    }
}

/// Why a socket could not be recovered (it connects afresh, and the count says why).
public enum RecoveryFailure: String, Error, Sendable, CaseIterable {
    /// No disconnected socket with that pid (never, already recovered, or another namespace).
    case unknownSession = "unknown session"
    /// The recovery window had passed.
    case expired
    /// Events after the client's offset were dropped from the log (its age or the store cap),
    /// or the offset is not one of this log's.
    case offsetUnavailable = "offset unavailable"
    /// The missed events are more than `maxBytesPerSocket`.
    case tooManyMissedBytes = "too many missed bytes"
}

/// A recovered socket: its state, and what it missed in order.
public struct RecoveredSession: Sendable {
    public let snapshot: RecoverySnapshot
    public let missed: [[EnginePacket]]
    /// The log's last sequence when the missed events were chosen.
    public let lastSequence: UInt64
}

/// Where recovery keeps its offset log and disconnected sockets' snapshots. The in-memory store
/// serves one node; a clustered one keeps both where every node can read them. Calls come one at
/// a time (the caller serializes them) with the time passed in, so stores are tested with a
/// manual clock.
public protocol RecoveryStore: AnyObject {
    /// Names this store's offsets (see `RecoveryOffset`).
    var tag: String { get }
    /// The last sequence logged (0 before the first).
    var lastSequence: UInt64 { get }
    /// Logs an event; returns its sequence. `origin` names another node's event (nil: this
    /// node's own, numbered here); `messages` gets the offset text to splice.
    func append(namespace: String, rooms: Set<String>, except: Set<String>, origin: (node: String, sequence: UInt64)?,
                messages: (String) -> [EnginePacket], now: Int64) -> (entry: RecoveryLogEntry, messages: [EnginePacket])
    /// Keeps a disconnected socket's state for the window.
    func save(_ snapshot: RecoverySnapshot, now: Int64)
    /// The socket `pid` names in `namespace` and the events after `offset` it missed (after the
    /// sequence it connected at when `offset` is nil). `take` removes the snapshot (a session
    /// is recovered once); without it the answer only says whether it would work.
    func recover(pid: String, namespace: String, offset: String?, now: Int64, take: Bool)
        -> Result<RecoveredSession, RecoveryFailure>
    /// Drops what is past the window.
    func expire(now: Int64)
    /// Cluster mode: the events a socket saved elsewhere missed, chosen by origin numbers from the
    /// later of its connection point and the client's offset.
    func missed(_ snapshot: RecoverySnapshot, offset: String?, now: Int64) -> Result<RecoveredSession, RecoveryFailure>
    /// Cluster mode: where `sequence` of this log stands in every origin's events.
    func vector(at sequence: UInt64) -> RecoveryVector
}
