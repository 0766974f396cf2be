import PushCore
import Synchronization

/// What a session's HTTP responses cost on the wire, counted on whichever loop wrote them.
final class EngineResponseCounters: Sendable {
    private let headBytes = Atomic<Int>(0)
    private let responses = Atomic<Int>(0)
    private let responseBytes = Atomic<Int>(0)

    /// A complete response went out (nothing when `head` is 0: it was not written).
    func response(head: Int, body: Int) {
        guard head > 0 else { return }
        headBytes.add(head, ordering: .relaxed)
        responses.add(1, ordering: .relaxed)
        responseBytes.add(head + body, ordering: .relaxed)
    }

    /// A head that opens a stream or a WebSocket (not a complete response).
    func streamHead(_ bytes: Int) {
        headBytes.add(bytes, ordering: .relaxed)
    }

    /// `counters` with these counts added.
    func added(to counters: SessionCounters) -> SessionCounters {
        var total = counters
        total.headBytesOut += headBytes.load(ordering: .relaxed)
        total.httpResponses += responses.load(ordering: .relaxed)
        total.httpResponseBytes += responseBytes.load(ordering: .relaxed)
        return total
    }
}

extension HTTPRequestHead {
    /// The head's size as a client writes it: request line, one `Name: value` line per header,
    /// and the blank line (exact for the single-space form browsers send).
    var wireByteCount: Int {
        var count = method.name.utf8.count + 1 + target.utf8.count + 1 + "HTTP/1.1".utf8.count + 2 + 2
        for header in headers { count += header.name.utf8.count + 2 + header.value.utf8.count + 2 }
        return count
    }
}
