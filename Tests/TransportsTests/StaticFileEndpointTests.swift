import Dispatch
import Synchronization
import Glibc
import XCTest
@testable import Transports

/// Blocking HTTP/1.1 client on one keep-alive connection (test side only).
private struct BlockingHTTPClient {
    let fd: Int32

    init?(port: Int) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else { close(fd); return nil }
    }

    /// Sends a GET and returns the status and body (reads Content-Length bytes).
    func get(_ path: String) -> (status: Int, body: [UInt8])? {
        let request = Array("GET \(path) HTTP/1.1\r\nHost: test\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == request.count else { return nil }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            if let end = headEnd(received) {
                let head = String(decoding: received[..<end], as: UTF8.self)
                let status = Int(head.split(separator: " ")[1]) ?? 0
                let length = head.split(separator: "\r\n").compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                    return Int(parts[1].filter { $0 != " " })
                }.first ?? 0
                if received.count >= end + 4 + length {
                    return (status, Array(received[(end + 4)..<(end + 4 + length)]))
                }
            }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return nil }
            received += buffer[0..<n]
        }
    }

    private func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }
}

/// Each loop keeps its own cache of files: clients on every loop at once (run under
/// ThreadSanitizer by scripts/test) get every file right.
final class StaticFileEndpointTests: XCTestCase {
    func testClientsOnEveryLoopAtOnceGetEveryFile() throws {
        var template = Array("/tmp/pushd-static-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw XCTSkip("mkdtemp failed") }
        let root = String(cString: made)
        defer { _ = system("rm -rf '\(root)'") }
        let names = (0..<6).map { "file\($0).txt" }
        for (index, name) in names.enumerated() {
            let body = String(repeating: "\(index)", count: 100 + index)
            let file = try XCTUnwrap(fopen(root + "/" + name, "w"))
            fputs(body, file)
            fclose(file)
        }

        let group = try EventLoopGroup(threadCount: 2)
        let router = PathRouter(fallback: StaticFileEndpoint(root: root, loops: group.loops))
        let server = HTTPServer(group: group, host: "127.0.0.1", port: 0, maxConnections: 100,
                                configuration: HTTPServerConfiguration(), router: router)
        try server.bind()
        group.start()
        defer { group.shutdown() }
        server.startAccepting()

        let port = server.port
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            guard let client = BlockingHTTPClient(port: port) else {
                failures.add(1, ordering: .relaxed)
                return
            }
            defer { close(client.fd) }
            for round in 0..<100 {
                let index = (round + worker) % names.count
                let expected = Array(String(repeating: "\(index)", count: 100 + index).utf8)
                guard let (status, body) = client.get("/" + names[index]), status == 200, body == expected else {
                    failures.add(1, ordering: .relaxed)
                    return
                }
            }
        }
        XCTAssertEqual(failures.load(ordering: .relaxed), 0)
    }
}
