/// One count per transport, in plain stored fields (no array to check for uniqueness on the
/// message path).
public struct TransportCounts: Sendable, Equatable {
    public var websocket = 0
    public var sse = 0
    public var longPolling = 0
    public var polling = 0

    public init() {}

    @inline(__always)
    public subscript(kind: EngineTransportKind) -> Int {
        get {
            switch kind {
            case .websocket: websocket
            case .sse: sse
            case .longPolling: longPolling
            case .polling: polling
            }
        }
        set {
            switch kind {
            case .websocket: websocket = newValue
            case .sse: sse = newValue
            case .longPolling: longPolling = newValue
            case .polling: polling = newValue
            }
        }
    }

    /// Adds another loop's counts.
    public mutating func add(_ other: TransportCounts) {
        for kind in EngineTransportKind.allCases { self[kind] += other[kind] }
    }

    /// One sample per transport, labelled `label` with Socket.IO's transport names.
    public func samples(label: String) -> [MetricSample] {
        EngineTransportKind.allCases.map { MetricSample(labels: [MetricLabel(label, $0.rawValue)], self[$0]) }
    }
}
