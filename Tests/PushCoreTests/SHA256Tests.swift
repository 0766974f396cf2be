@testable import PushCore
import XCTest

final class SHA256Tests: XCTestCase {
    /// FIPS 180-4 / NIST example vectors.
    func testFIPSVectors() {
        let vectors: [([UInt8], String)] = [
            ([], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            (FIPSMessages.abc, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (FIPSMessages.bits448, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
            (FIPSMessages.bits896, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        ]
        for (message, digest) in vectors {
            assertStreams(SHA256.self, message, digest)
        }
    }

    func testMillionA() {
        XCTAssertEqual(hexString(SHA256.hash(FIPSMessages.millionA)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // The same message in uneven pieces crosses every block edge differently.
        var hash = SHA256()
        var offset = 0
        var piece = 1
        while offset < FIPSMessages.millionA.count {
            let end = min(offset + piece, FIPSMessages.millionA.count)
            hash.update(FIPSMessages.millionA[offset..<end])
            offset = end
            piece = piece * 7 % 1000 + 1
        }
        XCTAssertEqual(hash.finalize(), SHA256.hash(FIPSMessages.millionA))
    }

    /// Lengths around the padding edges (the length field just fits, or spills into a new block).
    func testPaddingBoundaries() {
        let vectors: [(Int, String)] = [
            (55, "463eb28e72f82e0a96c0a4cc53690c571281131f672aa229e0d45ae59b598b59"),
            (56, "da2ae4d6b36748f2a318f23e7ab1dfdf45acdc9d049bd80e59de82a60895f562"),
            (57, "2fe741af801cc238602ac0ec6a7b0c3a8a87c7fc7d7f02a3fe03d1c12eac4d8f"),
            (63, "29af2686fd53374a36b0846694cc342177e428d1647515f078784d69cdb9e488"),
            (64, "fdeab9acf3710362bd2658cdc9a29e8f9c757fcf9811603a8c447cd1d9151108"),
            (65, "4bfd2c8b6f1eec7a2afeb48b934ee4b2694182027e6d0fc075074f2fabb31781"),
            (111, "60780e9451bdc43cf4530ffc95cbb0c4eb24dae2c39f55f334d679e076c08065"),
            (112, "09373f127d34e61dbbaa8bc4499c87074f2ddb10e1b465f506d7d70a15011979"),
            (113, "13aaa9b5fb739cdb0e2af99d9ac0a409390adc4d1cb9b41f1ef94f8552060e92"),
            (119, "da18797ed7c3a777f0847f429724a2d8cd5138e6ed2895c3fa1a6d39d18f7ec6"),
            (120, "f52b23db1fbb6ded89ef42a23ce0c8922c45f25c50b568a93bf1c075420bbb7c"),
            (127, "92ca0fa6651ee2f97b884b7246a562fa71250fedefe5ebf270d31c546bfea976"),
            (128, "471fb943aa23c511f6f72f8d1652d9c880cfa392ad80503120547703e56a2be5"),
            (129, "5099c6a56203f9687f7d33f4bfdf576d31dc91f6b695ecea38b2770c87631135"),
            (255, "3f8591112c6bbe5c963965954e293108b7208ed2af893e500d859368c654eabe"),
            (256, "40aff2e9d2d8922e47afd4648e6967497158785fbd1da870e7110266bf944880"),
        ]
        for (length, digest) in vectors {
            assertStreams(SHA256.self, FIPSMessages.counting(length), digest)
        }
    }

    func testFinalizeLeavesHashUsable() {
        var hash = SHA256()
        hash.update(FIPSMessages.abc)
        XCTAssertEqual(hash.finalize(), SHA256.hash(FIPSMessages.abc))
        hash.update(FIPSMessages.abc)
        XCTAssertEqual(hash.finalize(), SHA256.hash(FIPSMessages.abc + FIPSMessages.abc))
    }

    func testDigestSize() {
        XCTAssertEqual(SHA256.digestByteCount, 32)
        XCTAssertEqual(SHA256.hash([UInt8]()).count, 32)
        var oversized = [UInt8](repeating: 0xEE, count: 32 + 4)
        oversized.withUnsafeMutableBytes { SHA256.hash(FIPSMessages.abc).withUnsafeBytes($0.copyMemory) }
        var hash = SHA256()
        hash.update(FIPSMessages.abc)
        var written = [UInt8](repeating: 0xEE, count: 32 + 4)
        written.withUnsafeMutableBytes { hash.finalize(into: $0) }
        XCTAssertEqual(written, oversized, "writes exactly the digest, nothing past it")
    }
}
