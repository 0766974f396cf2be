import PushCore

/// Whatever answers one engine HTTP request: the request's own connection, or, for a request
/// that reached another node of a cluster, the reply sent back to that node.
public protocol EngineResponder: AnyObject, Sendable {
    /// The loop `respond` must be called on.
    var loop: EventLoop { get }
    /// Whether the caller runs on `loop`: asked of writers on other loops too, so it reads
    /// their loop in place rather than taking a reference to it.
    var isOnItsLoop: Bool { get }
    /// False once answered or abandoned.
    var isOpen: Bool { get }
    /// Called (on `loop`) if the client gives up before the answer.
    var onAbort: (() -> Void)? { get set }
    func respond(status: Int, headers: [(String, String)], body: [UInt8])
    /// `respond` with fields prepared in advance (what every engine answer sends).
    func respond(status: Int, headers: PreparedHeaders, body: [UInt8])
    /// Bytes of response head written (0 where unknown, as for a reply relayed to another node).
    var headBytesWritten: Int { get }
}

extension EngineResponder {
    public var headBytesWritten: Int { 0 }
    public var isOnItsLoop: Bool { loop.inEventLoop }

    public func respond(status: Int, headers: PreparedHeaders, body: [UInt8]) {
        respond(status: status, headers: headers.pairs, body: body)
    }
}

extension HTTPResponseWriter: EngineResponder {
    public var isOnItsLoop: Bool { connection.loop.inEventLoop }
}
