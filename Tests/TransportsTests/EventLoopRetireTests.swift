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
        try withRunningLoop { loop in
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

            // What the read retired is let go of at the end of its iteration.
            assertFreedOnceTheIterationEnded(probe, on: loop)
        }
    }

    /// The loop's flush list does not count its connections: one that nothing else holds (not
    /// registered yet) is kept by the loop until its flush, its bytes go out, and it is freed
    /// after the iteration.
    func testBytesWrittenToAConnectionNothingHoldsGoOutAtTheEndOfTheIteration() throws {
        try withRunningLoop { loop in
            let (local, peer) = nonBlockingSocketPair()
            defer { close(local); close(peer) }
            let probe = LifetimeProbe()
            runAndWait(on: loop) {
                let connection = Connection(fd: local, loop: loop, handler: IgnoringInput(), remoteAddress: "test",
                                            limits: ConnectionLimits())
                probe.watch(connection, connection.handler)
                connection.write(Array("queued".utf8))
            }
            XCTAssertEqual(readAll(from: peer, expecting: 6), Array("queued".utf8))
            assertFreedOnceTheIterationEnded(probe, on: loop)
        }
    }

    /// A connection written to and then closed in the same iteration is flushed as closed
    /// (nothing sent, nothing touched after its end) and freed once the iteration ends.
    func testAConnectionClosedAfterAWriteIsFlushedAsClosed() throws {
        try withRunningLoop { loop in
            let (local, peer) = nonBlockingSocketPair()
            defer { close(peer) }
            let probe = LifetimeProbe()
            runAndWait(on: loop) {
                let connection = Connection(fd: local, loop: loop, handler: IgnoringInput(), remoteAddress: "test",
                                            limits: ConnectionLimits())
                probe.watch(connection, connection.handler)
                connection.start()
            }
            runAndWait(on: loop) {
                probe.withConnection { connection in
                    connection.write(Array("dropped".utf8))
                    connection.close()
                }
            }
            XCTAssertEqual(readAll(from: peer, expecting: 1), [], "nothing was sent, and the peer saw the close")
            assertFreedOnceTheIterationEnded(probe, on: loop)
        }
    }
}

/// Asserts that what `probe` watches is freed once the loop's current iteration ended. A task
/// posted now may still run in that iteration; one posted after it ran runs in a later one.
private func assertFreedOnceTheIterationEnded(_ probe: LifetimeProbe, on loop: EventLoop,
                                              file: StaticString = #filePath, line: UInt = #line) {
    runAndWait(on: loop) {}
    XCTAssertEqual(runAndWait(on: loop) { probe.aliveCount }, 0, "the connection and its handler were freed",
                   file: file, line: line)
}

/// Reads from a non-blocking socket until `expecting` bytes or end of stream, for at most a second.
private func readAll(from fd: Int32, expecting: Int) -> [UInt8] {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 256)
    for _ in 0..<20_000 where bytes.count < expecting {
        let n = read(fd, &buffer, buffer.count)
        if n == 0 { break }
        if n > 0 { bytes += buffer[0..<n] } else { usleep(50) }
    }
    return bytes
}

/// Takes every byte and does nothing with it.
private final class IgnoringInput: ConnectionHandler {
    override func connection(_ connection: Connection, didRead input: UnsafeMutableRawBufferPointer) -> Int { input.count }
    override func connectionDidDrain(_ connection: Connection) {}
    override func connectionDidClose(_ connection: Connection) {}
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

    func withConnection(_ body: (Connection) -> Void) {
        if let connection { body(connection) }
    }

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

    override func connection(_ connection: Connection, didRead input: UnsafeMutableRawBufferPointer) -> Int {
        connection.close()
        probe.noteClosed()
        return input.count
    }
    override func connectionDidDrain(_ connection: Connection) {}
    override func connectionDidClose(_ connection: Connection) {}
}
