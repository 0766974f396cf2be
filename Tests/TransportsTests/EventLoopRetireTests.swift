import Glibc
import Synchronization
import XCTest
@testable import Transports

/// Loop code holds connections, handlers and sockets without reference counts of its own; what
/// closes during an iteration is kept until the iteration ends, and let go of then.
final class EventLoopRetireTests: XCTestCase {
    /// A handler that closes its connection from inside its own read, with nothing else holding
    /// either: both outlive the read, and both are gone once the loop's iteration ended.
    func testAConnectionClosedByItsOwnReadLivesToTheEndOfTheIteration() throws {
        let group = try EventLoopGroup(threadCount: 1)
        group.start()
        defer { group.shutdown() }
        let loop = group.loops[0]
        let (local, peer) = nonBlockingSocketPair()
        defer { close(peer) }
        let probe = LifetimeProbe()
        runAndWait(on: loop) {
            let handler = ClosingHandler(probe: probe)
            let connection = Connection(fd: local, loop: loop, handler: handler, remoteAddress: "test",
                                        limits: ConnectionLimits())
            probe.watch(connection, handler)
            connection.start()
        }

        var byte: UInt8 = 1
        XCTAssertEqual(write(peer, &byte, 1), 1)
        var rounds = 0
        while !probe.readDone && rounds < 20_000 { usleep(50); rounds += 1 }
        XCTAssertTrue(probe.readDone)
        XCTAssertEqual(probe.aliveAfterClose, [true, true], "the closed connection and its handler outlive the read")

        // What the read retired is let go of at the end of its iteration. A task posted now may
        // still run in that iteration; one posted after it ran runs in a later one.
        runAndWait(on: loop) {}
        XCTAssertEqual(runAndWait(on: loop) { probe.aliveCount }, 0, "the connection and its handler were freed")
    }
}

/// Weak references to a connection and its handler, read on the loop.
private final class LifetimeProbe: @unchecked Sendable {
    private weak var connection: Connection?
    private weak var handler: ConnectionHandler?
    private let done = Atomic<Bool>(false)
    /// Whether each was alive right after the handler closed the connection.
    private(set) var aliveAfterClose: [Bool] = []

    func watch(_ connection: Connection, _ handler: ConnectionHandler) {
        self.connection = connection
        self.handler = handler
    }

    var aliveCount: Int { (connection == nil ? 0 : 1) + (handler == nil ? 0 : 1) }

    func noteClosed() {
        aliveAfterClose = [connection != nil, handler != nil]
        done.store(true, ordering: .releasing)
    }

    var readDone: Bool { done.load(ordering: .acquiring) }
}

/// Closes its connection on the first byte; holds nothing itself.
private final class ClosingHandler: ConnectionHandler {
    let probe: LifetimeProbe
    init(probe: LifetimeProbe) { self.probe = probe }

    override func connection(_ connection: Connection, didRead input: UnsafeRawBufferPointer) -> Int {
        connection.close()
        probe.noteClosed()
        return input.count
    }
    override func connectionDidDrain(_ connection: Connection) {}
    override func connectionDidClose(_ connection: Connection) {}
}
