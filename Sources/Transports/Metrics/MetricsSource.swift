import PushCore

/// Families a part of the server adds to each scrape: read on `loop` when it keeps its counts
/// there, anywhere when they are atomic or read from the system.
public struct MetricsSource: Sendable {
    public let loop: EventLoop?
    public let collect: @Sendable () -> [MetricFamily]

    public init(loop: EventLoop? = nil, collect: @escaping @Sendable () -> [MetricFamily]) {
        self.loop = loop
        self.collect = collect
    }
}
