@testable import PushCore
import XCTest

final class SHA512Tests: XCTestCase {
    /// FIPS 180-4 / NIST example vectors.
    func testFIPSVectors() {
        let vectors: [([UInt8], String)] = [
            ([], "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
                + "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"),
            (FIPSMessages.abc, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
            (FIPSMessages.bits448, "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c335"
                + "96fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445"),
            (FIPSMessages.bits896, "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
                + "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"),
        ]
        for (message, digest) in vectors {
            assertStreams(SHA512.self, message, digest)
        }
    }

    func testMillionA() {
        XCTAssertEqual(hexString(SHA512.hash(FIPSMessages.millionA)),
                       "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
                + "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b")
        // The same message in uneven pieces crosses every block edge differently.
        var hash = SHA512()
        var offset = 0
        var piece = 1
        while offset < FIPSMessages.millionA.count {
            let end = min(offset + piece, FIPSMessages.millionA.count)
            hash.update(FIPSMessages.millionA[offset..<end])
            offset = end
            piece = piece * 7 % 1000 + 1
        }
        XCTAssertEqual(hash.finalize(), SHA512.hash(FIPSMessages.millionA))
    }

    /// Lengths around the padding edges (the length field just fits, or spills into a new block).
    func testPaddingBoundaries() {
        let vectors: [(Int, String)] = [
            (55, "6856647f269c2ee3d8128f0b25427659d880641ef343300dd3cd4679168f58d6"
                + "527fda70b4ebc854e2065e172b7d58c1536992c0810599259ba84a2b40c65414"),
            (56, "8b12b2f6fe400a51d29656e2b8c42a1bbfe6fcf3e425da430db05d1a2dda1479"
                + "0dee20fa8b22d8762afffe4988a5c98a4430d22a17e41e23d90fa61ab75671a9"),
            (57, "92cb9f2e4eee07c7b32b06cf4917fbe54365f55247cc9b5bc4478d9fada52b07"
                + "d1c302b3959d0ca9a75a629653ea7c245a8fbba2a265cda4ea70ac5a860a6f3d"),
            (63, "9dc9c5598e55dc42955695320839788e353f1d7f6ba74df74c80a8a52f463c06"
                + "97f57f68835d1418f4ce9b6530cd79bd0f4c6f7e13c93feb1218c0b65c2c0561"),
            (64, "ee4320ebaf3fdb4f2c832b137200c08e235e0fa7bbd0eb1740c7063ba8a0d151"
                + "da77e003398e1714a955d475b05e3e950b639503b452ec185de4229bc4873949"),
            (65, "02856cef735f9acec6b9e33f0fbc8f9804d2aa54187f382b8ae842e5d3696c07"
                + "459aad2a5aed25ea5e117eb1c7ba35da6a7a8adce9e6afe3ad79e9fa42d5bba8"),
            (111, "a1a111449b198d9b1f538bad7f3fc1022b3a5b1a5e90a0bc860de8512746cbc3"
                + "1599e6c834de3a3235327af0b51ff57bf7acf1974a73014d9c3953812edc7c8d"),
            (112, "c5fbd731d19d2ae1180f001be72c2c1aaba1d7b094b3748880e24593b8e117a7"
                + "50e11c1bd867cc2f96dace8c8b74abd2d5c4f236be444e77d30d1916174070b9"),
            (113, "61b2e77db697dfe5571fff3ed06bd60c41e1e7b7c08a80de01cb16526d9a9a52"
                + "d690dfbe792278a60f6e2b4c57a97c729773f26e258d2393890c985d645f6715"),
            (119, "43e497279c2ce805903a33b54b746ea92d607f7c4807986c849823b81097a909"
                + "9b5896ac7cc66df3a93edc8a91b6f3971d6c7f5688daf635737760bd080e27b3"),
            (120, "9636708964c5ff6600510319e07bf3fcfcb1f4058fec278efb677964ba1e140c"
                + "1632505452f802e99bcf09da3d456dc3868d149a0788a730e49d239ce7415145"),
            (127, "eab89674feaa34e27aebeeff3c0a4d70070bb872d5e9f186cf1dbbdee517b6e3"
                + "5724d629ff025a5b07185e911ada7e3c8acf830aa0e4f71777bd2d44f504f7f0"),
            (128, "1dffd5e3adb71d45d2245939665521ae001a317a03720a45732ba1900ca3b835"
                + "1fc5c9b4ca513eba6f80bc7b1d1fdad4abd13491cb824d61b08d8c0e1561b3f7"),
            (129, "1d9da57fbbdab09afb3506ab2d223d06109d65c1c8ad197f50138f714bc4c3f2"
                + "fe5787922639c680acad1c651f955990425954ce2cba0c5cc83f2667d878eb0f"),
            (255, "15025c9d135861ff5a549df0bfd6c398fd126613496d4e97627651e68b7b1f80"
                + "407f187d7978464f0f78bfeea787600faaebbe991eddb60671cd0ce874f0a744"),
            (256, "1e7b80bc8edc552c8feeb2780e111477e5bc70465fac1a77b29b35980c3f0ce4"
                + "a036a6c9462036824bd56801e62af7e9feba5c22ed8a5af877bf7de117dcac6d"),
        ]
        for (length, digest) in vectors {
            assertStreams(SHA512.self, FIPSMessages.counting(length), digest)
        }
    }

    func testFinalizeLeavesHashUsable() {
        var hash = SHA512()
        hash.update(FIPSMessages.abc)
        XCTAssertEqual(hash.finalize(), SHA512.hash(FIPSMessages.abc))
        hash.update(FIPSMessages.abc)
        XCTAssertEqual(hash.finalize(), SHA512.hash(FIPSMessages.abc + FIPSMessages.abc))
    }

    func testDigestSize() {
        XCTAssertEqual(SHA512.digestByteCount, 64)
        XCTAssertEqual(SHA512.hash([UInt8]()).count, 64)
        var oversized = [UInt8](repeating: 0xEE, count: 64 + 4)
        oversized.withUnsafeMutableBytes { SHA512.hash(FIPSMessages.abc).withUnsafeBytes($0.copyMemory) }
        var hash = SHA512()
        hash.update(FIPSMessages.abc)
        var written = [UInt8](repeating: 0xEE, count: 64 + 4)
        written.withUnsafeMutableBytes { hash.finalize(into: $0) }
        XCTAssertEqual(written, oversized, "writes exactly the digest, nothing past it")
    }
}
