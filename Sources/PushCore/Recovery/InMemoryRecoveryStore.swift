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

    public func append(namespace: String, rooms: Set<String>, except: Set<String>, messages: (UInt64) -> [EnginePacket],
                       now: Int64) -> (sequence: UInt64, messages: [EnginePacket]) {
        lastSequence += 1
        let entry = RecoveryLogEntry(sequence: lastSequence, loggedAt: now, namespace: namespace, rooms: rooms,
                                     except: except, messages: messages(lastSequence))
        log.append(entry)
        byteCount += entry.byteCount
        if now >= nextSweep { expire(now: now) }
        trimToCap()
        return (entry.sequence, entry.messages)
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
        var missed: [[EnginePacket]] = []
        var bytes = 0
        var index = head + Int(start + 1 - firstSequence)
        while index < log.count {
            let entry = log[index]
            index += 1
            guard entry.reaches(namespace: namespace, rooms: snapshot.rooms) else { continue }
            bytes += entry.byteCount
            if bytes > configuration.maxBytesPerSocket {
                if take { forget(pid) }
                return .failure(.tooManyMissedBytes)
            }
            missed.append(entry.messages)
        }
        if take { forget(pid) }
        return .success(RecoveredSession(snapshot: snapshot, missed: missed, lastSequence: lastSequence))
    }

    public func expire(now: Int64) {
        let window = configuration.window
        nextSweep = now + max(1, window / 8)
        while head < log.count, now - log[head].loggedAt > window { dropOldest() }
        compact()
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
        byteCount -= log[head].byteCount
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
