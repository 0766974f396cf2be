/// Everything the loops counted, summed, plus the node-wide gauges read at scrape time.
public struct MetricsSnapshot: Sendable {
    public var counters = LoopCounters()
    /// Each loop's lag histogram, by loop index.
    public var loopLag: [Int: LatencyHistogram] = [:]
    /// Connected sockets by namespace (all loops).
    public var sockets: [String: Int] = [:]
    public var sessions = 0
    public var httpConnections = 0

    public init() {}

    /// Adds one loop's part: its counters, its lag histogram and its sockets.
    public mutating func add(loop index: Int, counters: LoopCounters, lag: LatencyHistogram?, sockets: [String: Int]) {
        self.counters.add(counters)
        if let lag { loopLag[index] = lag }
        for (namespace, count) in sockets { self.sockets[namespace, default: 0] += count }
    }
}

/// The pushd_* families of a snapshot, in a fixed order.
public enum MetricsReport {
    public static func families(_ snapshot: MetricsSnapshot) -> [MetricFamily] {
        let counters = snapshot.counters
        var families: [MetricFamily] = [
            MetricFamily(name: "pushd_connections", help: "Open sessions by the transport they use now.", type: .gauge,
                         samples: counters.connections.samples(label: "transport")),
            .single("pushd_sessions", "Open engine sessions.", .gauge, Double(snapshot.sessions)),
            .single("pushd_http_connections", "Open TCP connections on the main port.", .gauge, Double(snapshot.httpConnections)),
            MetricFamily(name: "pushd_sockets", help: "Connected Socket.IO sockets by namespace.", type: .gauge,
                         samples: sockets(snapshot.sockets)),
            MetricFamily(name: "pushd_messages_received_total", help: "Engine messages received from clients.", type: .counter,
                         samples: counters.messagesReceived.samples(label: "transport")),
            MetricFamily(name: "pushd_messages_sent_total", help: "Engine packets sent to clients.", type: .counter,
                         samples: counters.messagesSent.samples(label: "transport")),
            .single("pushd_bytes_received_total", "Engine payload bytes received from clients.", .counter, Double(counters.bytesReceived)),
            .single("pushd_bytes_sent_total", "Engine bytes sent to clients (frames, events, polling bodies).", .counter,
                    Double(counters.bytesSent)),
            MetricFamily(name: "pushd_dropped_total", help: "Packets and sessions dropped, by reason.", type: .counter,
                         samples: DropReason.allCases.map { MetricSample(labels: [MetricLabel("reason", $0.description)], counters.dropped[$0]) }),
            MetricFamily(name: "pushd_rate_limited_total", help: "Times a client was held back by the message rate limit.", type: .counter,
                         samples: counters.rateLimited.samples(label: "transport")),
            MetricFamily(name: "pushd_http_requests_total", help: "HTTP responses by status code.", type: .counter,
                         samples: counters.httpResponses.nonZero.map { MetricSample(labels: [MetricLabel("code", String($0.status))], $0.count) }),
            MetricFamily(name: "pushd_upgrades_total", help: "Upgrades to WebSocket by the transport left.", type: .counter,
                         samples: EngineTransportKind.allCases.filter { $0 != .websocket }.map {
                             MetricSample(labels: [MetricLabel("from", $0.rawValue)], counters.upgradesFrom[$0])
                         }),
        ]
        if !snapshot.loopLag.isEmpty {
            var samples: [MetricSample] = []
            for index in snapshot.loopLag.keys.sorted() {
                samples += snapshot.loopLag[index]!.samples(labels: [MetricLabel("loop", String(index))])
            }
            families.append(MetricFamily(name: "pushd_event_loop_lag_seconds",
                                         help: "How late each event loop ran a timer due at a known time.",
                                         type: .histogram, samples: samples))
        }
        return families
    }

    /// The namespaces with sockets, "/" always, in name order.
    private static func sockets(_ counts: [String: Int]) -> [MetricSample] {
        var all = counts
        if all["/"] == nil { all["/"] = 0 }
        return all.keys.sorted().map { MetricSample(labels: [MetricLabel("namespace", $0)], all[$0]!) }
    }
}
