import Glibc
import XCTest
@testable import Transports

/// A handler that keeps its connection, as WebSocket transports and Redis links do.
private final class KeepingHandler: ConnectionHandler {
    var connection: Connection?
    var closes = 0

    override func connection(_ connection: Connection, didRead input: UnsafeMutableRawBufferPointer) -> Int { input.count }
    override func connectionDidDrain(_ connection: Connection) {}
    override func connectionDidClose(_ connection: Connection) { closes += 1 }
}

final class ConnectionLifetimeTests: XCTestCase {
    func testAClosedConnectionAndAHandlerKeepingItAreFreed() throws {
        let loop = try EventLoop(index: 0)
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        defer { Glibc.close(fds[1]) }
        weak var weakConnection: Connection?
        weak var weakHandler: KeepingHandler?
        do {
            let handler = KeepingHandler()
            let connection = Connection(fd: fds[0], loop: loop, handler: handler, remoteAddress: "test",
                                        limits: ConnectionLimits())
            handler.connection = connection
            connection.start()
            weakConnection = connection
            weakHandler = handler
            connection.close()
            connection.close()
            XCTAssertEqual(handler.closes, 1)
        }
        // What closed is kept to the end of the loop's iteration, which this ends.
        loop.releaseRetired()
        XCTAssertNil(weakConnection, "the closed connection was kept alive by its handler")
        XCTAssertNil(weakHandler, "the handler of a closed connection was kept alive by it")
    }
}
