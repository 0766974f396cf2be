import PushCore

/// Gathers a scrape: each loop's counters read on its own thread, summed, then the other
/// sources' families. Only the scrape hops between loops; the counters are never shared.
public final class MetricsCollector: @unchecked Sendable {
    public let group: EventLoopGroup
    let engine: EngineServer
    let http: HTTPServer
    let namespaces: NamespaceSocketCounts?
    /// Sources added before start.
    private(set) var sources: [MetricsSource] = []

    init(group: EventLoopGroup, engine: EngineServer, http: HTTPServer, namespaces: NamespaceSocketCounts?) {
        self.group = group
        self.engine = engine
        self.http = http
        self.namespaces = namespaces
    }

    /// Adds families to every scrape. Configure before start.
    public func add(_ source: MetricsSource) {
        sources.append(source)
    }

    /// Collects every family and calls `completion` (on whichever loop finished last).
    public func collect(_ completion: @escaping @Sendable ([MetricFamily]) -> Void) {
        let loops = group.loops
        let loopSources = sources.filter { $0.loop != nil }
        let anywhere = sources.filter { $0.loop == nil }
        let gathering = Gathering(parts: loops.count + loopSources.count) { [engine, http] snapshot, extra in
            var whole = snapshot
            whole.sessions = engine.sessionCount
            whole.httpConnections = http.connectionCount
            var families = MetricsReport.families(whole)
            for part in extra { families += part }
            for source in anywhere { families += source.collect() }
            families += ProcessStatistics.families()
            completion(families)
        }
        let namespaces = self.namespaces
        for loop in loops {
            loop.execute {
                let metrics = loop.metrics
                gathering.finish(loop: loop.index, counters: metrics.counters, lag: metrics.lag,
                                 sockets: namespaces?.counts(onLoop: loop.index) ?? [:])
            }
        }
        for (index, source) in loopSources.enumerated() {
            source.loop!.execute { gathering.finish(extra: index, source.collect()) }
        }
    }

    /// Starts each loop's lag probe.
    func startLagProbes(interval: Int64) {
        group.onEveryLoop { loop in loop.metrics.startLagProbe(on: loop, interval: interval) }
    }
}

/// One scrape in progress: the parts that came back, and what to do once all did.
private final class Gathering: Sendable {
    private struct State {
        var snapshot = MetricsSnapshot()
        var extra: [Int: [MetricFamily]] = [:]
        var pending: Int
    }

    /// Loops report at once: a pthread mutex, which ThreadSanitizer follows (see PThreadMutex).
    private let state: PThreadMutex<State>
    private let done: @Sendable (MetricsSnapshot, [[MetricFamily]]) -> Void

    init(parts: Int, done: @escaping @Sendable (MetricsSnapshot, [[MetricFamily]]) -> Void) {
        state = PThreadMutex(State(pending: parts))
        self.done = done
    }

    func finish(loop index: Int, counters: LoopCounters, lag: LatencyHistogram?, sockets: [String: Int]) {
        complete { $0.snapshot.add(loop: index, counters: counters, lag: lag, sockets: sockets) }
    }

    func finish(extra index: Int, _ families: [MetricFamily]) {
        complete { $0.extra[index] = families }
    }

    private func complete(_ update: (inout State) -> Void) {
        let finished: State? = state.withLock { state in
            update(&state)
            state.pending -= 1
            return state.pending == 0 ? state : nil
        }
        guard let finished else { return }
        done(finished.snapshot, finished.extra.keys.sorted().map { finished.extra[$0]! })
    }
}
