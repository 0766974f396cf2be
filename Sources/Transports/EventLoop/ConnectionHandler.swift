/// What a protocol does with a connection's bytes. HTTP, WebSocket and the Redis client are
/// handlers; an HTTP handler hands the connection to a WebSocket handler on upgrade.
/// A class rather than a protocol so a connection calls its handler through an uncounted
/// reference (`Unmanaged` needs a class type): one call per read. Subclasses override the
/// first three.
public class ConnectionHandler {
    init() {}

    /// Consumes what it can of `input` and returns how many bytes it took; the rest is kept and
    /// offered again, in front of the next bytes read. A handler may rewrite the bytes it takes
    /// (a WebSocket unmasks in place): nothing reads them again.
    func connection(_ connection: Connection, didRead input: UnsafeMutableRawBufferPointer) -> Int {
        preconditionFailure("\(type(of: self)) does not read")
    }
    /// The write queue fell below the low-water mark after having passed the high-water mark.
    func connectionDidDrain(_ connection: Connection) {
        preconditionFailure("\(type(of: self)) does not drain")
    }
    /// The connection is closed; called once.
    func connectionDidClose(_ connection: Connection) {
        preconditionFailure("\(type(of: self)) does not close")
    }
    /// The connection was accepted and registered with its loop, before any byte arrives.
    func connectionDidOpen(_ connection: Connection) {}
}

/// The handler of every closed connection: takes nothing, does nothing.
final class ClosedConnectionHandler: ConnectionHandler, @unchecked Sendable {
    static let shared = ClosedConnectionHandler()

    override func connection(_ connection: Connection, didRead input: UnsafeMutableRawBufferPointer) -> Int { 0 }
    override func connectionDidDrain(_ connection: Connection) {}
    override func connectionDidClose(_ connection: Connection) {}
}
