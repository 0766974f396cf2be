import Glibc
import XCTest
@testable import Transports

final class SocketAddressTests: XCTestCase {
    /// What inet_ntop and the port in decimal give, the form every log line and handshake uses.
    private func reference(_ address: UInt32, _ port: UInt16) -> String {
        var ip = in_addr(s_addr: address.bigEndian)
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        inet_ntop(AF_INET, &ip, &text, socklen_t(text.count))
        let length = text.firstIndex(of: 0) ?? text.count
        return String(decoding: text[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) + ":\(port)"
    }

    func testIPv4IsWrittenAsInetNtopWritesIt() {
        let addresses: [UInt32] = [0, 0xFFFF_FFFF, 0x7F00_0001, 0x0A00_0001, 0x0114_6407, 0xC0A8_64C8, 0x6400_0A09]
        for address in addresses {
            for port: UInt16 in [0, 9, 10, 99, 100, 443, 8080, 65535] {
                XCTAssertEqual(SocketAddress.describeIPv4(address, port: port), reference(address, port))
            }
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<1000 {
            let address = UInt32.random(in: .min ... .max, using: &rng)
            let port = UInt16.random(in: .min ... .max, using: &rng)
            XCTAssertEqual(SocketAddress.describeIPv4(address, port: port), reference(address, port))
        }
    }

    func testAnAcceptedAddressIsDescribedByFamily() {
        var storage = sockaddr_storage()
        withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                address.pointee.sin_family = sa_family_t(AF_INET)
                address.pointee.sin_port = UInt16(54321).bigEndian
                address.pointee.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            }
        }
        XCTAssertEqual(SocketAddress.describe(&storage), "127.0.0.1:54321")
        withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                address.pointee.sin6_family = sa_family_t(AF_INET6)
                address.pointee.sin6_port = UInt16(443).bigEndian
                address.pointee.sin6_addr = in6addr_loopback
            }
        }
        XCTAssertEqual(SocketAddress.describe(&storage), "[::1]:443")
    }
}
