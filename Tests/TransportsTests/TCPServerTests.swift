import Glibc
import Synchronization
import PushCore
import XCTest
@testable import Transports

/// Echoes what it reads.
private final class EchoHandler: ConnectionHandler {
    override func connection(_ connection: Connection, didRead input: UnsafeMutableRawBufferPointer) -> Int {
        connection.write(Array(input))
        return input.count
    }
    override func connectionDidDrain(_ connection: Connection) {}
    override func connectionDidClose(_ connection: Connection) {}
}

/// Collects what it reads; reports once `expected` bytes arrived.
private final class CollectingHandler: ConnectionHandler {
    var received: [UInt8] = []
    let expected: Int
    let done: @Sendable ([UInt8]) -> Void

    init(expected: Int, done: @escaping @Sendable ([UInt8]) -> Void) {
        self.expected = expected
        self.done = done
    }

    override func connection(_ connection: Connection, didRead input: UnsafeMutableRawBufferPointer) -> Int {
        received.append(contentsOf: input)
        if received.count >= expected {
            done(received)
            connection.close()
        }
        return input.count
    }
    override func connectionDidDrain(_ connection: Connection) {}
    override func connectionDidClose(_ connection: Connection) {}
}

/// Real loops on their own threads: connections accepted on one loop, opened from another,
/// work handed between them with `run` (what the ThreadSanitizer run checks).
final class TCPServerTests: XCTestCase {
    func testASecondServerOnABusyPortFailsUnlessBothSharePorts() throws {
        let group = try EventLoopGroup(threadCount: 2)
        let first = TCPServer(group: group, host: "127.0.0.1", port: 0, maxConnections: 10, sharesPort: true) { _ in EchoHandler() }
        try first.bind()
        group.start()
        defer { group.shutdown() }
        first.startAccepting()
        defer { first.stopAccepting() }
        let port = first.port
        let exclusive = TCPServer(group: group, host: "127.0.0.1", port: port, maxConnections: 10) { _ in EchoHandler() }
        XCTAssertThrowsError(try exclusive.bind()) { error in
            XCTAssertEqual((error as? SystemError)?.code, EADDRINUSE)
            XCTAssertEqual((error as? SystemError)?.call, "port \(port)")
        }
        let sharing = TCPServer(group: group, host: "127.0.0.1", port: port, maxConnections: 10, sharesPort: true) { _ in EchoHandler() }
        XCTAssertNoThrow(try sharing.bind(), "two servers that both ask share the port (one listener per loop each)")
        sharing.startAccepting()
        sharing.stopAccepting()
    }

    func testClientsOnEveryLoopGetTheirBytesEchoedAndTheServerCountsThem() throws {
        let group = try EventLoopGroup(threadCount: 2)
        let server = TCPServer(group: group, host: "127.0.0.1", port: 0, maxConnections: 100) { _ in EchoHandler() }
        try server.bind()
        XCTAssertNotEqual(server.port, 0)
        group.start()
        defer { group.shutdown() }
        server.startAccepting()

        // Loops on two threads record replies at once: a pthread mutex, which ThreadSanitizer
        // follows (see PThreadMutex).
        let replies = PThreadMutex<[Int: [UInt8]]>([:])
        let finished = Atomic<Int>(0)
        let clients = 8
        let port = server.port
        for client in 0..<clients {
            let message = Array("hello \(client) ".utf8) + [UInt8](repeating: UInt8(client), count: 4096 * client)
            let loop = group.next()
            loop.run {
                Connector.connect(on: loop, host: "127.0.0.1", port: port, makeHandler: {
                    CollectingHandler(expected: message.count) { bytes in
                        replies.withLock { $0[client] = bytes }
                        finished.add(1, ordering: .relaxed)
                    }
                }) { result in
                    guard case .success(let connection) = result else {
                        finished.add(1, ordering: .relaxed)
                        return
                    }
                    connection.write(message)
                }
            }
        }
        var waited = 0
        while finished.load(ordering: .relaxed) < clients && waited < 10_000 {
            usleep(1_000)
            waited += 1
        }
        let got = replies.withLock { $0 }
        XCTAssertEqual(got.count, clients)
        for client in 0..<clients {
            XCTAssertEqual(got[client], Array("hello \(client) ".utf8) + [UInt8](repeating: UInt8(client), count: 4096 * client))
        }
        // The server side closes after the clients' FIN; its count returns to zero.
        waited = 0
        while server.connectionCount > 0 && waited < 5_000 {
            usleep(1_000)
            waited += 1
        }
        XCTAssertEqual(server.connectionCount, 0)
        server.stopAccepting()
    }
}
