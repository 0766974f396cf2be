import Glibc
import XCTest
@testable import Transports

private final class IgnoringHandler: ConnectionHandler {
    override func connection(_ connection: Connection, didRead input: UnsafeMutableRawBufferPointer) -> Int { input.count }
    override func connectionDidDrain(_ connection: Connection) {}
    override func connectionDidClose(_ connection: Connection) {}
}

/// The write queue's marks: a watcher hears of the queue when it crosses them, not per write.
final class ConnectionBacklogMarksTests: XCTestCase {
    func testTheWatcherHearsOfCrossingsOnly() throws {
        let loop = try EventLoop(index: 0)
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &fds), 0)
        defer { Glibc.close(fds[1]) }
        let connection = Connection(fd: fds[0], loop: loop, handler: IgnoringHandler(), remoteAddress: "test",
                                    limits: ConnectionLimits())
        connection.start()
        var heard: [Int] = []
        connection.backlogWatch = BacklogWatch(above: 1000) { watch in
            heard.append(connection.queuedBytes)
            if connection.queuedBytes > 1000 { watch.mark(above: .max, below: 1000) } else { watch.mark(above: 1000, below: -1) }
        }
        for _ in 0..<10 { connection.write([UInt8](repeating: 1, count: 300)) }
        XCTAssertEqual(heard, [1200], "one report, when the queue passed 1000 bytes")
        // The peer's socket buffer takes the 3000 bytes: the queue empties, past the low mark.
        connection.flushNow()
        XCTAssertEqual(connection.queuedBytes, 0)
        XCTAssertEqual(heard, [1200, 0])
        connection.write([UInt8](repeating: 1, count: 300))
        connection.flushNow()
        XCTAssertEqual(heard, [1200, 0], "nothing while the queue stays under the mark")
        connection.close()
        XCTAssertNil(connection.backlogWatch, "a closed connection lets go of its watcher")
    }
}
