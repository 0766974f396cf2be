/// What one event loop counted: plain integers touched only on that loop's thread, summed
/// across loops when scraped.
public struct LoopCounters: Sendable, Equatable {
    /// Open sessions homed on the loop, by the transport they use now (a gauge).
    public var connections = TransportCounts()
    /// Engine message packets from clients.
    public var messagesReceived = TransportCounts()
    /// Engine packets written to clients.
    public var messagesSent = TransportCounts()
    public var bytesReceived = 0
    public var bytesSent = 0
    public var dropped = DropCounts()
    /// Times a client was held back by the message rate (reading paused or an answer delayed).
    public var rateLimited = TransportCounts()
    /// Completed upgrades to WebSocket, by the transport they left.
    public var upgradesFrom = TransportCounts()
    /// HTTP responses by status code (101 for a WebSocket switch).
    public var httpResponses = HTTPStatusCounts()

    public init() {}

    /// Adds another loop's counters.
    public mutating func add(_ other: LoopCounters) {
        connections.add(other.connections)
        messagesReceived.add(other.messagesReceived)
        messagesSent.add(other.messagesSent)
        bytesReceived += other.bytesReceived
        bytesSent += other.bytesSent
        dropped.add(other.dropped)
        rateLimited.add(other.rateLimited)
        upgradesFrom.add(other.upgradesFrom)
        httpResponses.add(other.httpResponses)
    }
}

extension LoopCounters {
    /// A session moved from `old` to WebSocket.
    public mutating func upgradeCompleted(from old: EngineTransportKind) {
        upgradesFrom[old] += 1
        connections[old] -= 1
        connections.websocket += 1
    }
}
