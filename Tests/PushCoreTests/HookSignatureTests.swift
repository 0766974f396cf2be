import XCTest
@testable import PushCore

final class HookSignatureTests: XCTestCase {
    /// The value Python computes: hmac.new(b"hook-secret", b"1700000000." + body, hashlib.sha256).hexdigest().
    func testMatchesTheDocumentedFormat() {
        let signer = HookSignature(secret: "hook-secret")
        let body = Array("{\"a\":1}".utf8)
        XCTAssertEqual(signer.sign(timestamp: 1_700_000_000, body: body),
                       "2ca9484d0c409cd2998fd115eb688d50af3c4591f30a5124d6262b43877ed809")
    }

    func testVerifyRejectsAnyChange() {
        let signer = HookSignature(secret: "hook-secret")
        let body = Array("{\"a\":1}".utf8)
        let signature = signer.sign(timestamp: 1_700_000_000, body: body)
        XCTAssertTrue(signer.verify(timestamp: 1_700_000_000, body: body, signature: signature.uppercased()))
        XCTAssertFalse(signer.verify(timestamp: 1_700_000_001, body: body, signature: signature))
        XCTAssertFalse(signer.verify(timestamp: 1_700_000_000, body: Array("{\"a\":2}".utf8), signature: signature))
        XCTAssertFalse(HookSignature(secret: "other").verify(timestamp: 1_700_000_000, body: body, signature: signature))
        XCTAssertFalse(signer.verify(timestamp: 1_700_000_000, body: body, signature: String(signature.dropLast())))
    }
}
