import Glibc
import Synchronization
import XCTest
@testable import Transports
import PushCore

/// What the scripted backend does with request number n.
private enum Answer: Sendable {
    case send([UInt8])
    case sendAndClose([UInt8])
    /// Says nothing and keeps the connection open.
    case silent
    case close
}

/// Runs `body` on a new thread.
private func spawn(_ body: @escaping @Sendable () -> Void) {
    final class Box { let body: @Sendable () -> Void; init(_ body: @escaping @Sendable () -> Void) { self.body = body } }
    var thread = pthread_t()
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    _ = pthread_create(&thread, nil, { context in
        Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
        return nil
    }, context)
    pthread_detach(thread)
}

/// A blocking TCP server on threads that answers request number n (counted across
/// connections) as `script(n)` says.
private final class ScriptedBackend: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    let accepted = Atomic<Int>(0)
    let requests = Atomic<Int>(0)
    private let script: @Sendable (Int) -> Answer

    init(script: @escaping @Sendable (Int) -> Answer) {
        self.script = script
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        listen(fd, 64)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        spawn { [self] in acceptLoop() }
    }

    private func acceptLoop() {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 { return }
            accepted.add(1, ordering: .relaxed)
            spawn { [self] in serve(client) }
        }
    }

    private func serve(_ client: Int32) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            // One request: a head and its Content-Length body.
            while !Self.hasRequest(buffer) {
                let n = read(client, &chunk, chunk.count)
                if n <= 0 { close(client); return }
                buffer += chunk[0..<n]
            }
            let length = Self.requestLength(buffer)
            buffer.removeFirst(length)
            let index = requests.add(1, ordering: .relaxed).oldValue
            switch script(index) {
            case .silent:
                continue
            case .close:
                close(client)
                return
            case .send(let bytes):
                _ = bytes.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            case .sendAndClose(let bytes):
                _ = bytes.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                close(client)
                return
            }
        }
    }

    static func hasRequest(_ bytes: [UInt8]) -> Bool { requestLength(bytes) <= bytes.count && requestLength(bytes) > 0 }

    static func requestLength(_ bytes: [UInt8]) -> Int {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return Int.max }
        let head = text[..<end.lowerBound].lowercased()
        var body = 0
        if let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }) {
            body = Int(line.dropFirst("content-length:".count).filter { $0 != " " }) ?? 0
        }
        return text.utf8.distance(from: text.utf8.startIndex, to: end.upperBound) + body
    }

    func stop() { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
}

final class HTTPClientTests: XCTestCase {
    var group: EventLoopGroup!

    override func setUp() {
        group = try! EventLoopGroup(threadCount: 1)
        group.start()
    }

    override func tearDown() { group.shutdown() }

    func makeClients(_ change: (inout HTTPClientConfiguration) -> Void = { _ in }) -> HTTPClientGroup {
        var configuration = HTTPClientConfiguration()
        change(&configuration)
        return HTTPClientGroup(loops: group.loops, configuration: configuration)
    }

    /// Sends the requests on the loop at once and waits for every answer.
    func send(_ clients: HTTPClientGroup, port: Int, count: Int = 1, timeout: Int64? = nil, sequential: Bool = false)
        -> [Result<HTTPClientResponse, HTTPClientError>] {
        let url = try! HTTPClientURL.parse("http://127.0.0.1:\(port)/hook?x=1").get()
        let results = Mutex<[(Int, Result<HTTPClientResponse, HTTPClientError>)]>([])
        let done = expectation(description: "answers")
        done.expectedFulfillmentCount = count
        let loop = group.loops[0]
        let client = clients.client(on: loop)
        @Sendable func one(_ index: Int) {
            client.execute(HTTPClientRequest(url: url, body: Array("{\"n\":\(index)}".utf8), timeout: timeout)) { result in
                results.withLock { $0.append((index, result)) }
                done.fulfill()
                if sequential && index + 1 < count { one(index + 1) }
            }
        }
        loop.execute {
            if sequential { one(0) } else { for index in 0..<count { one(index) } }
        }
        wait(for: [done], timeout: 15)
        // A completion runs before its slot goes back: let the loop finish that step first.
        let settled = expectation(description: "loop settled")
        loop.execute { settled.fulfill() }
        wait(for: [settled], timeout: 15)
        return results.withLock { $0.sorted { $0.0 < $1.0 }.map(\.1) }
    }

    fileprivate static func response(_ body: String) -> Answer {
        .send(Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8))
    }

    func testKeepAliveConnectionIsReused() throws {
        let backend = ScriptedBackend { index in Self.response("{\"i\":\(index)}") }
        defer { backend.stop() }
        let results = send(makeClients(), port: backend.port, count: 5, sequential: true)
        XCTAssertEqual(try results.map { String(decoding: try $0.get().body, as: UTF8.self) },
                       (0..<5).map { "{\"i\":\($0)}" })
        XCTAssertEqual(backend.accepted.load(ordering: .relaxed), 1)
    }

    func testChunkedAndCloseDelimitedBodies() throws {
        let chunked = ScriptedBackend { _ in
            .send(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n".utf8))
        }
        defer { chunked.stop() }
        let first = try send(makeClients(), port: chunked.port)[0].get()
        XCTAssertEqual(String(decoding: first.body, as: UTF8.self), "abcde")
        let closing = ScriptedBackend { _ in .sendAndClose(Array("HTTP/1.0 201 Created\r\n\r\nuntil the end".utf8)) }
        defer { closing.stop() }
        let second = try send(makeClients(), port: closing.port)[0].get()
        XCTAssertEqual(second.status, 201)
        XCTAssertEqual(String(decoding: second.body, as: UTF8.self), "until the end")
    }

    func testRefusedConnection() {
        let backend = ScriptedBackend { _ in .silent }
        let port = backend.port
        backend.stop()
        let result = send(makeClients(), port: port)[0]
        XCTAssertEqual(result.failure, .connectFailed(errno: ECONNREFUSED))
    }

    func testSilentBackendTimesOut() {
        let backend = ScriptedBackend { _ in .silent }
        defer { backend.stop() }
        let started = MonotonicClock.milliseconds()
        let result = send(makeClients(), port: backend.port, timeout: 300)[0]
        XCTAssertEqual(result.failure, .timeout)
        XCTAssertLessThan(MonotonicClock.milliseconds() - started, 2_000)
    }

    func testReadTimeoutBeforeTheTotal() {
        let backend = ScriptedBackend { _ in .silent }
        defer { backend.stop() }
        let result = send(makeClients { $0.readTimeout = 200 }, port: backend.port, timeout: 5_000)[0]
        XCTAssertEqual(result.failure, .readTimeout)
    }

    func testOversizedAndMalformedAnswers() {
        let big = ScriptedBackend { _ in Self.response(String(repeating: "x", count: 2_000)) }
        defer { big.stop() }
        XCTAssertEqual(send(makeClients { $0.maxResponseBytes = 1_000 }, port: big.port)[0].failure, .responseTooLarge)
        let garbage = ScriptedBackend { _ in .send(Array("hello, this is not HTTP\r\n\r\n".utf8)) }
        defer { garbage.stop() }
        XCTAssertEqual(send(makeClients(), port: garbage.port)[0].failure,
                       .malformedResponse(.badRequest("invalid status line")))
        let cut = ScriptedBackend { _ in .sendAndClose(Array("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc".utf8)) }
        defer { cut.stop() }
        XCTAssertEqual(send(makeClients(), port: cut.port)[0].failure, .closedEarly)
    }

    func testOverloadedPastConcurrencyAndQueue() {
        let backend = ScriptedBackend { _ in .silent }
        defer { backend.stop() }
        let clients = makeClients { $0.concurrency = 2; $0.queueLimit = 1 }
        let results = send(clients, port: backend.port, count: 4, timeout: 500)
        XCTAssertEqual(results.map(\.failure), [.timeout, .timeout, .timeout, .overloaded])
        XCTAssertEqual(clients.overloadedCount.load(ordering: .relaxed), 1)
        XCTAssertEqual(clients.queuedCount.load(ordering: .relaxed), 1)
        XCTAssertEqual(clients.inFlightCount, 0)
        XCTAssertEqual(clients.waitingCount, 0)
    }

    func testABackendClosingAnIdleConnectionIsRetriedOnce() throws {
        // Answers, then closes the connection when the second request arrives on it.
        let backend = ScriptedBackend { index in index == 1 ? .close : Self.response("ok\(index)") }
        defer { backend.stop() }
        let results = send(makeClients(), port: backend.port, count: 2, sequential: true)
        XCTAssertEqual(try results.map { String(decoding: try $0.get().body, as: UTF8.self) }, ["ok0", "ok2"])
        XCTAssertEqual(backend.accepted.load(ordering: .relaxed), 2)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
