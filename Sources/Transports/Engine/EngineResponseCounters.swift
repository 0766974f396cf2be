import PushCore

extension EngineSocket {
    /// Counts a complete response written for this session (nothing when `head` is 0: it was
    /// not written). From any loop: a response written on another loop hops here, so the counts
    /// stay plain integers of the session's loop.
    func countResponse(head: Int, body: Int) {
        guard head > 0 else { return }
        if loop.inEventLoop {
            http.countResponse(head: head, body: body)
        } else {
            loop.execute { [self] in http.countResponse(head: head, body: body) }
        }
    }

    /// Counts a head that opens a stream or a WebSocket (not a complete response). Any loop;
    /// on this one without a closure (every session opened makes this call).
    func countStreamHead(_ bytes: Int) {
        if loop.inEventLoop {
            http.headBytesOut += bytes
        } else {
            loop.execute { [self] in http.headBytesOut += bytes }
        }
    }
}
