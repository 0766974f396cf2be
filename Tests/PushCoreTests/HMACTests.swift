@testable import PushCore
import XCTest

/// One test case of RFC 4231 §4: a key, data and the HMAC-SHA-256/384/512 of it.
private struct RFC4231Case {
    var number: Int
    var key: [UInt8]
    var data: [UInt8]
    var sha256: String
    var sha384: String
    var sha512: String
}

final class HMACTests: XCTestCase {
    /// RFC 4231 §4.2-4.8; case 5's codes are truncated to 128 bits, as the RFC lists them.
    private let cases: [RFC4231Case] = [
        RFC4231Case(number: 1,
                    key: [UInt8](repeating: 0x0B, count: 20),
                    data: Array("Hi There".utf8),
                    sha256: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
                    sha384: "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
                 + "faea9ea9076ede7f4af152e8b2fa9cb6",
                    sha512: "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
                 + "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"),
        RFC4231Case(number: 2,
                    key: Array("Jefe".utf8),
                    data: Array("what do ya want for nothing?".utf8),
                    sha256: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                    sha384: "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
                 + "8e2240ca5e69e2c78b3239ecfab21649",
                    sha512: "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
                 + "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"),
        RFC4231Case(number: 3,
                    key: [UInt8](repeating: 0xAA, count: 20),
                    data: [UInt8](repeating: 0xDD, count: 50),
                    sha256: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
                    sha384: "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
                 + "2a5ab39dc13814b94e3ab6e101a34f27",
                    sha512: "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
                 + "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"),
        RFC4231Case(number: 4,
                    key: (1...25).map { UInt8($0) },
                    data: [UInt8](repeating: 0xCD, count: 50),
                    sha256: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
                    sha384: "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e"
                 + "6801dd23c4a7d679ccf8a386c674cffb",
                    sha512: "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
                 + "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"),
        RFC4231Case(number: 5,
                    key: [UInt8](repeating: 0x0C, count: 20),
                    data: Array("Test With Truncation".utf8),
                    sha256: "a3b6167473100ee06e0c796c2955552b",
                    sha384: "3abf34c3503b2a23a46efc619baef897",
                    sha512: "415fad6271580a531d4179bc891d87a6"),
        RFC4231Case(number: 6,
                    key: [UInt8](repeating: 0xAA, count: 131),
                    data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                    sha256: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
                    sha384: "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
                 + "0c2ef6ab4030fe8296248df163f44952",
                    sha512: "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
                 + "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"),
        RFC4231Case(number: 7,
                    key: [UInt8](repeating: 0xAA, count: 131),
                    data: Array(("This is a test using a larger than block-size key and a larger than block-size data. "
                   + "The key needs to be hashed before being used by the HMAC algorithm.").utf8),
                    sha256: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
                    sha384: "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
                 + "a678cc31e799176d3860e6110c46523e",
                    sha512: "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
                 + "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"),
    ]

    private func check<Hash: HashFunction>(_: Hash.Type, _ testCase: RFC4231Case, expected: String,
                                          file: StaticString = #filePath, line: UInt = #line) {
        let truncate = testCase.number == 5 ? 16 : Hash.digestByteCount
        let oneShot = HMAC<Hash>.authenticationCode(for: testCase.data, key: testCase.key)
        XCTAssertEqual(oneShot.count, Hash.digestByteCount, file: file, line: line)
        XCTAssertEqual(hexString(Array(oneShot.prefix(truncate))), expected,
                       "case \(testCase.number)", file: file, line: line)
        // Streaming, split at every byte of the data, from one keyed value reused each time.
        let keyed = HMAC<Hash>(key: testCase.key)
        for split in 0...testCase.data.count {
            var mac = keyed
            testCase.data[..<split].withUnsafeBytes { mac.update($0) }
            mac.update(Array(testCase.data[split...]))
            XCTAssertEqual(mac.finalize(), oneShot, "case \(testCase.number) split at \(split)", file: file, line: line)
        }
        XCTAssertEqual(keyed.authenticationCode(for: testCase.data), oneShot, file: file, line: line)
    }

    func testRFC4231SHA256() {
        for testCase in cases { check(SHA256.self, testCase, expected: testCase.sha256) }
    }

    func testRFC4231SHA384() {
        for testCase in cases { check(SHA384.self, testCase, expected: testCase.sha384) }
    }

    func testRFC4231SHA512() {
        for testCase in cases { check(SHA512.self, testCase, expected: testCase.sha512) }
    }

    func testKeyOfExactlyOneBlockIsNotHashed() {
        // A block-sized key is used as is; hashing it first would give a different code.
        let key = FIPSMessages.counting(SHA256.blockByteCount)
        let message = FIPSMessages.abc
        XCTAssertEqual(hexString(HMAC<SHA256>.authenticationCode(for: message, key: key)),
                       "6ab541b4869dca71c4ca11d8bb1b02533b789a557583161429292c7404bc21f6")
        XCTAssertNotEqual(HMAC<SHA256>.authenticationCode(for: message, key: key),
                          HMAC<SHA256>.authenticationCode(for: message, key: SHA256.hash(key)))
    }

    func testEmptyKeyAndMessage() {
        XCTAssertEqual(hexString(HMAC<SHA256>.authenticationCode(for: [], key: [])),
                       "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
        XCTAssertEqual(HMAC<SHA512>.byteCount, 64)
    }
}
