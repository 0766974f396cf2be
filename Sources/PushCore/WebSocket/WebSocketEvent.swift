
/// What one `WebSocketFrameDecoder.decode` call produced.
package enum WebSocketEvent: Sendable, Equatable {
    /// No complete event yet: keep the unconsumed bytes and call again when more arrive.
    case needMore
    /// A complete text message, already validated as UTF-8.
    case text([UInt8])
    /// A complete binary message.
    case binary([UInt8])
    /// A ping; answer with a pong carrying the same payload.
    case ping([UInt8])
    /// A pong.
    case pong([UInt8])
    /// The peer's close frame; `code` is nil when the payload was empty. The decoder ignores
    /// anything after it.
    case close(code: UInt16?, reason: [UInt8])
    /// A protocol violation: send a close frame with `failure.closeCode` and close the
    /// connection. The decoder stays failed and returns this again on every later call.
    case failure(WebSocketFailure)
}

extension WebSocketEvent {
    /// Whether this is `.failure`.
    package var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}
