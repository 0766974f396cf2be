@testable import PushCore
import XCTest

final class SHA384Tests: XCTestCase {
    /// FIPS 180-4 / NIST example vectors.
    func testFIPSVectors() {
        let vectors: [([UInt8], String)] = [
            ([], "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da"
                + "274edebfe76f65fbd51ad2f14898b95b"),
            (FIPSMessages.abc, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                + "8086072ba1e7cc2358baeca134c825a7"),
            (FIPSMessages.bits448, "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6"
                + "b0455a8520bc4e6f5fe95b1fe3c8452b"),
            (FIPSMessages.bits896, "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712"
                + "fcc7c71a557e2db966c3e9fa91746039"),
        ]
        for (message, digest) in vectors {
            assertStreams(SHA384.self, message, digest)
        }
    }

    func testMillionA() {
        XCTAssertEqual(hexString(SHA384.hash(FIPSMessages.millionA)),
                       "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b"
                + "07b8b3dc38ecc4ebae97ddd87f3d8985")
        // The same message in uneven pieces crosses every block edge differently.
        var hash = SHA384()
        var offset = 0
        var piece = 1
        while offset < FIPSMessages.millionA.count {
            let end = min(offset + piece, FIPSMessages.millionA.count)
            hash.update(FIPSMessages.millionA[offset..<end])
            offset = end
            piece = piece * 7 % 1000 + 1
        }
        XCTAssertEqual(hash.finalize(), SHA384.hash(FIPSMessages.millionA))
    }

    /// Lengths around the padding edges (the length field just fits, or spills into a new block).
    func testPaddingBoundaries() {
        let vectors: [(Int, String)] = [
            (55, "dcedb6b590edb4efa849c801e6b6490657a5c1e64f69269f5f63c9267f6223de"
                + "24cea7aaa6b267d9bcecc15147b6c875"),
            (56, "7b9132d597b8873ad55bbc30f18ed3f2c9f340e7de69fb5774056c71a06d9bc2"
                + "b14137e9e1c68b6b645fed28b188249d"),
            (57, "0901b1e5b13fce000486bda64fbe45c79fce15f38a4ddd9335a521d98829d267"
                + "abccd84284bef1ea3c2d4e4687c6d3b8"),
            (63, "dd66b519f51a925814407a449c60b34c553d7652d41783ee903a810a4c9f833b"
                + "8181c91c7f12283eacd6a5f8a2639ddf"),
            (64, "9f2c9eb7116b3d7a4ba84a74a4d4eff8a5efcf54b6d7b662693c38577914c73a"
                + "214766f0a175339bb0895a863824fc0a"),
            (65, "14b0a9ffce149426bf5045ffc24c057451d2473186deb4f150117b855911a764"
                + "1651fb1e15df406eb373d71151c46f25"),
            (111, "f5f9fe110d809d34029de262a01b208356caec6e054c7f926b2591f6c9780579"
                + "d4b59f5578c6f531a84f158a33660cef"),
            (112, "33ba080ec0ccb378e4e95fed3b26c23aa1a280476e007519ee47f60cd9c5c8a6"
                + "5d627259a9aa2fd33ca06d3c14ee5548"),
            (113, "f14fc73c4192759b70993dc35fbee193a60a98dbd1f8b2421afa253dec63015a"
                + "0d6b75fb50f9f9a5f7fb8e7241540699"),
            (119, "0c8d3031d85cefa23a09e13ce03623f0e648a030e43700c82aa1c8aa7e3ea9ce"
                + "cef3029a23815ad940cc39adb7747d2f"),
            (120, "0577ad6090b2a39ffa1c4a25436f9e958890c55a5b23cf8cee8195a5984316d8"
                + "1d6cf0b5916c0ad8b1f512fb39826c6d"),
            (127, "d5fcfe2fcf6b3ef375ede37c8123d9b78065fecc1d55197e2f7721e6e9a93d0b"
                + "a4d7fd15f9b96dea2744df24141ba2ef"),
            (128, "ca2385773319124534111a36d0581fc3f00815e907034b90cff9c3a861e126a7"
                + "41d5dfcff65a417b6d7296863ac0ec17"),
            (129, "ef49ae5b9ad51433d00323528d81ea8d2e4d2b507dbd9f1cb84f952b66249a78"
                + "8b1c89fcdb77a0db9f1feb901d47fc73"),
            (255, "98d7ac796c4cfb5d98a1c323656a4be8afaaad168e5ee72b6b7a3fa3260461a0"
                + "43e27243120d41584b58f1ae4463121a"),
            (256, "ffdaebff65ed05cf400f0221c4ccfb4b2104fb6a51f87e40be6c4309386bfdec"
                + "2892e9179b34632331a59592737db5c5"),
        ]
        for (length, digest) in vectors {
            assertStreams(SHA384.self, FIPSMessages.counting(length), digest)
        }
    }

    func testFinalizeLeavesHashUsable() {
        var hash = SHA384()
        hash.update(FIPSMessages.abc)
        XCTAssertEqual(hash.finalize(), SHA384.hash(FIPSMessages.abc))
        hash.update(FIPSMessages.abc)
        XCTAssertEqual(hash.finalize(), SHA384.hash(FIPSMessages.abc + FIPSMessages.abc))
    }

    func testDigestSize() {
        XCTAssertEqual(SHA384.digestByteCount, 48)
        XCTAssertEqual(SHA384.hash([UInt8]()).count, 48)
        var oversized = [UInt8](repeating: 0xEE, count: 48 + 4)
        oversized.withUnsafeMutableBytes { SHA384.hash(FIPSMessages.abc).withUnsafeBytes($0.copyMemory) }
        var hash = SHA384()
        hash.update(FIPSMessages.abc)
        var written = [UInt8](repeating: 0xEE, count: 48 + 4)
        written.withUnsafeMutableBytes { hash.finalize(into: $0) }
        XCTAssertEqual(written, oversized, "writes exactly the digest, nothing past it")
    }
}
