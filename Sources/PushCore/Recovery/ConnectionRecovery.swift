import Synchronization

/// Recovery's side of a socket server: logs each recoverable event with its offset, hands it to
/// the loops in offset order, keeps disconnected sockets' state, and brings sockets back.
///
/// Order is what makes replay exact: every loop sees recoverable events in offset order (they
/// are logged and queued to the loops under one lock; the caller's own loop delivers at once
/// only when nothing logged earlier is still queued there), so a client's last offset splits
/// the log into what it got and what it missed. A recovered socket joins its rooms at a point
/// in that order too: events before it are replayed, events after it arrive live.
///
/// Cost per event: one lock, one splice of the offset into the encoded packet, one log entry;
/// nothing per recipient.
public final class ConnectionRecovery: @unchecked Sendable {
    public let configuration: RecoveryConfiguration
    /// Milliseconds, monotonic (a manual clock in tests).
    let clock: @Sendable () -> Int64
    private let lock = Mutex<Void>(())
    // Guarded by `lock`.
    private let store: RecoveryStore
    /// Per loop: events queued there and not delivered yet.
    private var pending: [Int]
    /// Per loop: the highest sequence delivered there (every earlier one queued there has been).
    private var deliveredThrough: [UInt64]
    private var recoveredCount = 0
    private var failures: [RecoveryFailure: Int] = [:]
    /// Cluster mode: where sockets' snapshots live (set before start), so they come back anywhere.
    public private(set) var snapshots: RecoverySnapshotStore?

    public init(configuration: RecoveryConfiguration, store: RecoveryStore, loops: Int,
                clock: @escaping @Sendable () -> Int64) {
        self.configuration = configuration
        self.store = store
        self.clock = clock
        pending = Array(repeating: 0, count: loops)
        deliveredThrough = Array(repeating: 0, count: loops)
    }

    /// Sockets recovered so far, and the refusals by reason.
    public var counts: (recovered: Int, failed: [RecoveryFailure: Int]) {
        lock.withLock { _ in (recoveredCount, failures) }
    }

    /// `/metrics` families: recoveries, refusals by reason, and what the store holds.
    public var metricFamilies: [MetricFamily] {
        let (recovered, failed, held) = lock.withLock { _ in
            (recoveredCount, failures, (store as? InMemoryRecoveryStore).map { ($0.byteCount, $0.entryCount, $0.sessionCount) })
        }
        var families = [
            MetricFamily.single("pushd_recovery_recovered_total", "Sockets recovered (same id, rooms and data; missed events replayed).",
                                .counter, Double(recovered)),
            MetricFamily(name: "pushd_recovery_failed_total", help: "Sockets that asked to recover and connected afresh, by reason.",
                         type: .counter, samples: RecoveryFailure.allCases.map {
                             MetricSample(labels: [MetricLabel("reason", $0.rawValue)], failed[$0] ?? 0)
                         }),
        ]
        if let (bytes, entries, sessions) = held {
            families.append(.single("pushd_recovery_store_bytes", "Bytes the recovery store holds (events and dropped sockets).", .gauge, Double(bytes)))
            families.append(.single("pushd_recovery_events", "Events in the recovery log.", .gauge, Double(entries)))
            families.append(.single("pushd_recovery_sockets", "Dropped sockets kept for recovery.", .gauge, Double(sessions)))
        }
        return families
    }

    /// Keeps sockets' snapshots in `shared` (cluster mode; before start): offsets then carry
    /// where they stand in every node's events (see RecoveryVector).
    public func keepSnapshots(in shared: RecoverySnapshotStore) {
        snapshots = shared
        let now = clock()
        lock.withLock { _ in
            guard let store = store as? InMemoryRecoveryStore else { return }
            store.clustered = true
            store.startedAt = now
        }
    }

    /// Reads the store under the lock (tests, metrics).
    public func withStore<T>(_ body: (RecoveryStore) -> T) -> T {
        lock.withLock { _ in
            nonisolated(unsafe) let result = body(store)
            return result
        }
    }

    // MARK: Events

    /// Logs a broadcast and delivers it on every loop; other nodes get it without this node's
    /// offset, with its number among this node's events, and log it in their own order. It is
    /// handed to the adapter under the log's lock, so the numbers go out in order.
    func broadcast(_ wire: SocketWire, namespace: Namespace, rooms: Set<String>, except: Set<String>) {
        let adapter = namespace.server.adapter
        deliver(wire, namespace: namespace, rooms: rooms, except: except, origin: nil) { entry in
            adapter.publishRemote(wire, namespace: namespace, rooms: rooms, except: except, origin: entry.origin,
                                  sequence: entry.originSequence)
        }
    }

    /// A recoverable broadcast from another node (`origin` names it): logged and delivered here
    /// as if made here.
    package func deliver(_ wire: SocketWire, namespace: Namespace, rooms: Set<String>, except: Set<String>,
                         origin: (node: String, sequence: UInt64)?, logged: (RecoveryLogEntry) -> Void = { _ in }) {
        let (_, inline) = log(wire, namespace: namespace, rooms: rooms, except: except, loop: nil, origin: origin,
                              logged: logged) { wire, executor in
            InMemoryAdapter.deliver(wire, namespace: namespace, onLoop: executor.index, rooms: rooms, except: except, volatile: false)
        }
        inline?()
    }

    /// Logs an event for one socket and delivers it.
    func emit(_ wire: SocketWire, to socket: Socket) {
        let (_, inline) = log(wire, namespace: socket.namespace, rooms: [socket.id], except: [], loop: socket.loopIndex,
                              origin: nil) { wire, _ in
            guard socket.isConnected else { return }
            socket.client.send(wire, volatile: false)
        }
        inline?()
    }

    /// Appends the event and queues its delivery to the loops concerned (all when `loop` is
    /// nil); returns the delivery to run on the caller's loop after the lock, when it may run now.
    private func log(_ wire: SocketWire, namespace: Namespace, rooms: Set<String>, except: Set<String>, loop: Int?,
                     origin: (node: String, sequence: UInt64)?, logged: (RecoveryLogEntry) -> Void = { _ in },
                     deliver: @escaping @Sendable (SocketWire, SocketExecutor) -> Void) -> (SocketWire, (() -> Void)?) {
        let executors = namespace.server.executors
        let current = executors.first { $0.inEventLoop }
        let now = clock()
        return lock.withLock { _ in
            let (entry, messages) = store.append(namespace: namespace.name, rooms: rooms, except: except, origin: origin, messages: {
                wire.withOffset($0).messages
            }, now: now)
            logged(entry)
            let sequence = entry.sequence
            let spliced = SocketWire(messages: messages)
            var inline: (() -> Void)?
            for executor in executors where loop == nil || executor.index == loop {
                let index = executor.index
                if executor === current && pending[index] == 0 {
                    deliveredThrough[index] = sequence
                    inline = { deliver(spliced, executor) }
                    continue
                }
                pending[index] += 1
                executor.execute { [self] in
                    deliver(spliced, executor)
                    lock.withLock { _ in
                        pending[index] -= 1
                        deliveredThrough[index] = max(deliveredThrough[index], sequence)
                    }
                }
            }
            return (spliced, inline)
        }
    }

    // MARK: Sockets

    /// The sequence a socket connecting now on `loop` starts after: everything up to it has
    /// been delivered there, so the socket, joining its rooms now, gets the rest live.
    func connectedSequence(onLoop loop: Int) -> UInt64 {
        lock.withLock { _ in pending[loop] == 0 ? store.lastSequence : deliveredThrough[loop] }
    }

    /// Drops events and sockets past the window (a timer calls it).
    public func expire() {
        let now = clock()
        lock.withLock { _ in store.expire(now: now) }
    }

    /// Keeps a socket that dropped within the window.
    func save(_ snapshot: RecoverySnapshot) {
        let now = clock()
        if let snapshots {
            snapshots.keep(located(snapshot), dropped: true)
            return
        }
        lock.withLock { _ in store.save(snapshot, now: now) }
    }

    /// A connected socket's state as it would be saved if it dropped now (cluster mode writes it
    /// ahead). Socket's loop.
    package func snapshot(of socket: Socket) -> RecoverySnapshot? {
        guard let pid = socket.pid else { return nil }
        return located(RecoverySnapshot(pid: pid, socketID: socket.id, namespace: socket.namespace.name, rooms: socket.rooms,
                                        data: socket.data, disconnectedAt: clock(), connectedAtSequence: socket.connectedAtSequence,
                                        connectedAt: socket.connectedAtVector))
    }

    /// Where `sequence` of this node's log stands in every node's events (cluster mode; nil
    /// otherwise). Right for a recent sequence: the entries after it are still logged.
    func vector(at sequence: UInt64) -> RecoveryVector? {
        guard snapshots != nil else { return nil }
        return lock.withLock { _ in store.vector(at: sequence) }
    }

    /// The snapshot with its connection point in every origin's events.
    private func located(_ snapshot: RecoverySnapshot) -> RecoverySnapshot {
        if snapshot.connectedAt != nil { return snapshot }
        let vector = lock.withLock { _ in store.vector(at: snapshot.connectedAtSequence) }
        return RecoverySnapshot(pid: snapshot.pid, socketID: snapshot.socketID, namespace: snapshot.namespace, rooms: snapshot.rooms,
                                data: snapshot.data, disconnectedAt: snapshot.disconnectedAt,
                                connectedAtSequence: snapshot.connectedAtSequence, connectedAt: vector)
    }

    /// Whether a snapshot taken from the cluster can be recovered here now (refusals counted).
    func check(_ snapshot: RecoverySnapshot, namespace: String, offset: String?) -> Bool {
        let now = clock()
        return lock.withLock { _ in
            let failure: RecoveryFailure?
            if snapshot.namespace != namespace {
                failure = .unknownSession
            } else if case .failure(let reason) = store.missed(snapshot, offset: offset, now: now) {
                failure = reason
            } else {
                failure = nil
            }
            if let failure { failures[failure, default: 0] += 1 }
            return failure == nil
        }
    }

    /// Counts a refusal decided outside the store (a shared snapshot missing or of another namespace).
    func countFailure(_ failure: RecoveryFailure) {
        lock.withLock { _ in failures[failure, default: 0] += 1 }
    }

    /// Whether `pid` could be recovered now (the socket is then made with its old state).
    func peek(pid: String, namespace: String, offset: String?) -> Result<RecoveredSession, RecoveryFailure> {
        let now = clock()
        return lock.withLock { _ in
            let result = store.recover(pid: pid, namespace: namespace, offset: offset, now: now, take: false)
            if case .failure(let failure) = result { failures[failure, default: 0] += 1 }
            return result
        }
    }

    /// Takes the socket's state and missed events at a point in its loop's order, and runs
    /// `body` there: on the caller's loop at once when nothing is queued before it, else queued.
    func recover(pid: String, namespace: String, offset: String?, on executor: SocketExecutor,
                 _ body: @escaping (Result<RecoveredSession, RecoveryFailure>) -> Void) {
        recover(on: executor, body) { store, now in store.recover(pid: pid, namespace: namespace, offset: offset, now: now, take: true) }
    }

    /// The same for a snapshot taken from the cluster: what it missed is chosen from this node's
    /// log by origin numbers.
    func recover(_ snapshot: RecoverySnapshot, offset: String?, on executor: SocketExecutor,
                 _ body: @escaping (Result<RecoveredSession, RecoveryFailure>) -> Void) {
        recover(on: executor, body) { store, now in store.missed(snapshot, offset: offset, now: now) }
    }

    private func recover(on executor: SocketExecutor, _ body: @escaping (Result<RecoveredSession, RecoveryFailure>) -> Void,
                         choose: (RecoveryStore, Int64) -> Result<RecoveredSession, RecoveryFailure>) {
        let now = clock()
        let index = executor.index
        nonisolated(unsafe) let body = body
        let runNow: Result<RecoveredSession, RecoveryFailure>? = lock.withLock { _ in
            let result = choose(store, now)
            switch result {
            case .success: recoveredCount += 1
            case .failure(let failure): failures[failure, default: 0] += 1
            }
            if executor.inEventLoop && pending[index] == 0 { return result }
            pending[index] += 1
            executor.execute { [self] in
                body(result)
                lock.withLock { _ in pending[index] -= 1 }
            }
            return nil
        }
        if let runNow { body(runNow) }
    }
}
