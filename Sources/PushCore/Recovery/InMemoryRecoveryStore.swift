/// The recovery store of one node: the offset log as a queue of entries in sequence order, and
/// disconnected sockets' snapshots by pid. Bounded by the window (older entries and snapshots
/// go) and by `maxStoreBytes` (the oldest entries go first). Not thread-safe: its owner
/// serializes calls.
public final class InMemoryRecoveryStore: RecoveryStore {
    public let tag: String
    public let configuration: RecoveryConfiguration
    public private(set) var lastSequence: UInt64 = 0
    private var log: [RecoveryLogEntry] = []
    private var head = 0
    private var sessions: [String: RecoverySnapshot] = [:]
    private var sessionBytes: [String: Int] = [:]
    /// Bytes held: log entries plus snapshots.
    public private(set) var byteCount = 0
    private var nextSweep: Int64 = 0
    /// Cluster mode: offsets carry the log's vector, and recovery chooses by origin numbers.
    public var clustered = false
    /// Cluster mode: when this log started. Until a window later, a sender it never heard from
    /// may have sent a client events it missed before this node was there.
    public var startedAt: Int64?
    /// This node's own events, numbered (the origin sequence of what it sends).
    private var ownSequence: UInt64 = 0
    /// Per origin: the last of its events logged here, when, and the last one this log cannot
    /// replay (dropped, never received, or before this log first heard of it).
    private var origins: [String: (last: UInt64, loggedAt: Int64, floor: UInt64)] = [:]

    public init(tag: String, configuration: RecoveryConfiguration) {
        self.tag = tag
        self.configuration = configuration
    }

    /// Entries in the log.
    public var entryCount: Int { log.count - head }
    /// Disconnected sockets kept.
    public var sessionCount: Int { sessions.count }
    /// The oldest sequence still logged (lastSequence + 1 when the log is empty).
    private var firstSequence: UInt64 { head < log.count ? log[head].sequence : lastSequence + 1 }

    public func append(namespace: String, rooms: Set<String>, except: Set<String>, origin: (node: String, sequence: UInt64)?,
                       messages: (String) -> [EnginePacket], now: Int64) -> (entry: RecoveryLogEntry, messages: [EnginePacket]) {
        lastSequence += 1
        let (node, number): (String, UInt64)
        if let origin { (node, number) = origin } else {
            ownSequence += 1
            (node, number) = (tag, ownSequence)
        }
        var offset = RecoveryOffset(tag: tag, sequence: lastSequence).text
        if clustered {
            noteOrigin(node, number, now: now)
            offset += "~" + currentVector.text
        }
        let entry = RecoveryLogEntry(sequence: lastSequence, loggedAt: now, namespace: namespace, rooms: rooms,
                                     except: except, messages: messages(offset), origin: node, originSequence: number)
        log.append(entry)
        byteCount += entry.byteCount
        if now >= nextSweep { expire(now: now) }
        trimToCap()
        return (entry, entry.messages)
    }

    /// Origin numbers come in order from each origin: a jump is events lost between nodes
    /// (Redis down), which no client may then be told it got.
    private func noteOrigin(_ node: String, _ number: UInt64, now: Int64) {
        if var known = origins[node] {
            if number != known.last + 1 { known.floor = max(known.floor, number &- 1) }
            known.last = max(known.last, number)
            known.loggedAt = now
            origins[node] = known
        } else {
            origins[node] = (number, now, number - 1)
        }
    }

    private var currentVector: RecoveryVector {
        RecoveryVector(origins.mapValues(\.last))
    }

    public func vector(at sequence: UInt64) -> RecoveryVector {
        var vector = currentVector
        var index = log.count - 1
        while index >= head, log[index].sequence > sequence {
            let entry = log[index]
            vector.sequences[entry.origin] = min(vector[entry.origin], entry.originSequence - 1)
            index -= 1
        }
        return vector
    }

    public func missed(_ snapshot: RecoverySnapshot, offset: String?, now: Int64) -> Result<RecoveredSession, RecoveryFailure> {
        var bound = snapshot.connectedAt ?? RecoveryVector()
        if let offset {
            guard let vector = RecoveryVector(offset: offset) else { return .failure(.offsetUnavailable) }
            bound = bound.merged(with: vector)
        }
        // Something after the client's point is gone from this log: it cannot say what was missed.
        if origins.contains(where: { $0.value.floor > bound[$0.key] }) { return .failure(.offsetUnavailable) }
        if let startedAt, now - startedAt <= configuration.window,
           bound.sequences.keys.contains(where: { $0 != tag && origins[$0] == nil }) {
            return .failure(.offsetUnavailable)
        }
        return select(from: head, rooms: snapshot.rooms, namespace: snapshot.namespace) {
            $0.originSequence > bound[$0.origin]
        }.map { RecoveredSession(snapshot: snapshot, missed: $0, lastSequence: lastSequence) }
    }

    /// The entries from `index` on that reach the socket and pass `include`, within the byte cap.
    private func select(from index: Int, rooms: Set<String>, namespace: String, include: (RecoveryLogEntry) -> Bool = { _ in true })
        -> Result<[[EnginePacket]], RecoveryFailure> {
        var missed: [[EnginePacket]] = []
        var bytes = 0
        for entry in log[index...] where include(entry) && entry.reaches(namespace: namespace, rooms: rooms) {
            bytes += entry.byteCount
            if bytes > configuration.maxBytesPerSocket { return .failure(.tooManyMissedBytes) }
            missed.append(entry.messages)
        }
        return .success(missed)
    }

    public func save(_ snapshot: RecoverySnapshot, now: Int64) {
        let bytes = snapshot.byteCount
        if let old = sessionBytes[snapshot.pid] { byteCount -= old }
        sessions[snapshot.pid] = snapshot
        sessionBytes[snapshot.pid] = bytes
        byteCount += bytes
        trimToCap()
    }

    public func recover(pid: String, namespace: String, offset: String?, now: Int64, take: Bool)
        -> Result<RecoveredSession, RecoveryFailure> {
        guard let snapshot = sessions[pid], snapshot.namespace == namespace else { return .failure(.unknownSession) }
        if now - snapshot.disconnectedAt > configuration.window {
            forget(pid)
            return .failure(.expired)
        }
        var start = snapshot.connectedAtSequence
        if let offset {
            guard let parsed = RecoveryOffset(offset), parsed.tag == tag, parsed.sequence <= lastSequence else {
                return .failure(.offsetUnavailable)
            }
            // Events before the socket connected were never its own (a client keeps its last
            // offset across a fresh connection).
            start = max(start, parsed.sequence)
        }
        guard start + 1 >= firstSequence else {
            if take { forget(pid) }
            return .failure(.offsetUnavailable)
        }
        let selected = select(from: head + Int(start + 1 - firstSequence), rooms: snapshot.rooms, namespace: namespace)
        if take { forget(pid) }
        return selected.map { RecoveredSession(snapshot: snapshot, missed: $0, lastSequence: lastSequence) }
    }

    public func expire(now: Int64) {
        let window = configuration.window
        nextSweep = now + max(1, window / 8)
        while head < log.count, now - log[head].loggedAt > window { dropOldest() }
        compact()
        // An origin silent for the window has nothing left that a client may still miss.
        if origins.contains(where: { now - $0.value.loggedAt > window }) {
            origins = origins.filter { now - $0.value.loggedAt <= window }
        }
        if sessions.contains(where: { now - $0.value.disconnectedAt > window }) {
            for (pid, snapshot) in sessions where now - snapshot.disconnectedAt > window { forget(pid) }
        }
    }

    // MARK: Bounds

    private func trimToCap() {
        while byteCount > configuration.maxStoreBytes, head < log.count { dropOldest() }
        compact()
        // Snapshots alone over the cap: the oldest disconnections go.
        while byteCount > configuration.maxStoreBytes,
              let oldest = sessions.min(by: { $0.value.disconnectedAt < $1.value.disconnectedAt })?.key {
            forget(oldest)
        }
    }

    private func dropOldest() {
        let entry = log[head]
        if clustered, let known = origins[entry.origin] { origins[entry.origin]?.floor = max(known.floor, entry.originSequence) }
        byteCount -= entry.byteCount
        head += 1
    }

    /// Gives back the dropped entries' slots once they are half the array.
    private func compact() {
        if head == log.count {
            log.removeAll(keepingCapacity: log.count < 4096)
            head = 0
        } else if head > 1024 && head * 2 > log.count {
            log.removeFirst(head)
            head = 0
        }
    }

    private func forget(_ pid: String) {
        sessions[pid] = nil
        if let bytes = sessionBytes.removeValue(forKey: pid) { byteCount -= bytes }
        if sessions.isEmpty && sessions.capacity > 256 {
            sessions = [:]
            sessionBytes = [:]
        }
    }
}
