import XCTest
@testable import PushCore

/// Dynamic namespaces live while a socket holds them, and only so many may exist.
final class NamespaceCleanupTests: XCTestCase {
    private func dynamicServer(_ configure: (inout SocketServerConfiguration) -> Void = { _ in })
        -> (SocketServer, ManualExecutor, Recorder<String>) {
        var configuration = SocketServerConfiguration()
        configure(&configuration)
        let (server, loops) = makeSocketServer(configuration: configuration)
        let configured = Recorder<String>()
        server.of(matching: { $0.hasPrefix("/room-") }) { configured.record($0.name) }
        return (server, loops[0], configured)
    }

    private func connect(_ link: InMemoryEngineLink, _ name: String) -> SocketPacket? {
        link.connect(name)
        return link.takePackets().first { $0.namespace == name && ($0.type == .connect || $0.type == .connectError) }
    }

    func testADynamicNamespaceIsFreedWhenItsLastSocketLeavesAndMadeAgainLater() {
        let (server, loop, configured) = dynamicServer()
        let first = InMemoryEngineLink(server: server, executor: loop)
        let second = InMemoryEngineLink(server: server, executor: loop)
        XCTAssertEqual(connect(first, "/room-1")?.type, .connect)
        XCTAssertEqual(connect(second, "/room-1")?.type, .connect)
        XCTAssertEqual(server.namespaceCount, 2)

        first.disconnect("/room-1")
        XCTAssertNotNil(server.existingNamespace("/room-1"), "one socket is still in it")
        second.engineClose(reason: .transportClose)
        XCTAssertNil(server.existingNamespace("/room-1"))
        XCTAssertEqual(server.namespaceCount, 1, "only the main namespace is left")

        XCTAssertEqual(connect(first, "/room-1")?.type, .connect)
        XCTAssertEqual(configured.values, ["/room-1", "/room-1"], "made and configured again")
    }

    func testManyDistinctNamesLeaveNothingBehind() {
        let (server, loop, _) = dynamicServer()
        let link = InMemoryEngineLink(server: server, executor: loop)
        for n in 0..<5_000 {
            XCTAssertEqual(connect(link, "/room-\(n)")?.type, .connect)
            link.disconnect("/room-\(n)")
        }
        XCTAssertEqual(server.namespaceCount, 1)
    }

    func testARefusedOrUnfinishedConnectLetsGoOfTheNamespace() {
        let (server, loop, _) = dynamicServer()
        var pending: [(ConnectionRefused?) -> Void] = []
        server.useOnEveryNamespace { socket, next in
            if socket.namespace.name == "/room-refused" { next(ConnectionRefused("no")) } else { pending.append(next) }
        }
        let link = InMemoryEngineLink(server: server, executor: loop)
        XCTAssertEqual(connect(link, "/room-refused")?.type, .connectError)
        XCTAssertNil(server.existingNamespace("/room-refused"))

        link.connect("/room-waiting")
        XCTAssertNotNil(server.existingNamespace("/room-waiting"), "held while its middleware runs")
        link.engineClose(reason: .transportClose)
        XCTAssertNil(server.existingNamespace("/room-waiting"))
        // The middleware answering after the session closed changes nothing.
        pending.forEach { $0(nil) }
        loop.runPending()
        XCTAssertEqual(server.namespaceCount, 1)
    }

    func testStaticNamespacesStayAndCleanupCanBeTurnedOff() {
        let (server, loop, _) = dynamicServer { $0.cleanupEmptyNamespaces = false }
        _ = server.of("/fixed")
        let link = InMemoryEngineLink(server: server, executor: loop)
        XCTAssertEqual(connect(link, "/fixed")?.type, .connect)
        XCTAssertEqual(connect(link, "/room-1")?.type, .connect)
        link.disconnect("/fixed")
        link.disconnect("/room-1")
        XCTAssertNotNil(server.existingNamespace("/fixed"))
        XCTAssertNotNil(server.existingNamespace("/room-1"))
    }

    func testPastMaxNamespacesAConnectGetsAClearErrorUntilOneIsFreed() {
        let (server, loop, _) = dynamicServer { $0.maxNamespaces = 3 }
        let link = InMemoryEngineLink(server: server, executor: loop)
        XCTAssertEqual(connect(link, "/room-1")?.type, .connect)
        XCTAssertEqual(connect(link, "/room-2")?.type, .connect)
        let refused = connect(link, "/room-3")
        XCTAssertEqual(refused, SocketPacket(type: .connectError, namespace: "/room-3", data: ["message": "Too many namespaces"]))
        XCTAssertFalse(link.isClosed, "the session carries on")
        XCTAssertNil(server.existingNamespace("/room-3"))
        // Namespaces that exist are still reachable.
        let other = InMemoryEngineLink(server: server, executor: loop)
        XCTAssertEqual(connect(other, "/room-1")?.type, .connect)

        link.disconnect("/room-2")
        XCTAssertEqual(connect(link, "/room-3")?.type, .connect)
    }
}

extension NamespaceCleanupTests {
    func testAFreedNamespaceIsDeallocatedEvenWhenItsHandlersCaptureIt() {
        let (server, loops) = makeSocketServer()
        server.of(matching: { $0.hasPrefix("/self-") }) { namespace in
            namespace.onConnection { socket in socket.emit("hello", .string(namespace.name)) }
        }
        weak var freed: Namespace?
        do {
            let link = InMemoryEngineLink(server: server, executor: loops[0])
            XCTAssertEqual(connect(link, "/self-1")?.type, .connect)
            freed = server.existingNamespace("/self-1")
            XCTAssertNotNil(freed)
            link.disconnect("/self-1")
        }
        XCTAssertNil(freed, "the namespace and what it holds are gone")
    }

    /// A loop's copy of the shared handlers goes with the namespace: a handler that captures
    /// it, once called on a loop, does not keep it.
    func testAFreedNamespaceIsDeallocatedAfterItsSharedHandlersRan() {
        let (server, loops) = makeSocketServer(loops: 2)
        server.of(matching: { $0.hasPrefix("/self-") }) { namespace in
            namespace.onEvent("where") { _, _, ack in ack?.send([.string(namespace.name)]) }
        }
        weak var freed: Namespace?
        do {
            let links = loops.map { InMemoryEngineLink(server: server, executor: $0) }
            for link in links {
                XCTAssertEqual(connect(link, "/self-2")?.type, .connect)
                link.emit("where", namespace: "/self-2", ackId: 1)
                XCTAssertEqual(link.takePackets().last, SocketPacket(type: .ack, namespace: "/self-2", data: ["/self-2"], ackId: 1))
            }
            freed = server.existingNamespace("/self-2")
            XCTAssertNotNil(freed)
            for link in links { link.disconnect("/self-2") }
        }
        XCTAssertNil(freed, "the namespace, its handlers and each loop's copy are gone")
    }
}
