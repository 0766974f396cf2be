@testable import PushCore
import XCTest

final class JWTErrorTests: XCTestCase {
    func testDescriptionsAreStable() {
        XCTAssertEqual(JWTError.tooLarge(limit: 8192).description, "token over 8192 bytes")
        XCTAssertEqual(JWTError.malformed(.segmentCount).description, "malformed token: not three segments")
        XCTAssertEqual(JWTError.algorithmNotAllowed("none").description, "algorithm none not allowed")
        XCTAssertEqual(JWTError.badSignature.description, "signature does not match")
        XCTAssertEqual(JWTError.expired.description, "token expired")
        XCTAssertEqual(JWTError.badClaim(.rooms).description, "claim rooms has a bad type or value")
    }

    func testDescriptionsAreDistinct() {
        let malformations: [JWTMalformation] = [.segmentCount, .emptySegment, .badBase64URL, .headerNotJSON,
                                                .headerNotObject, .missingAlgorithm, .badType, .criticalHeader,
                                                .payloadNotJSON, .payloadNotObject, .tooDeep]
        var errors: [JWTError] = [.tooLarge(limit: 1), .algorithmNotAllowed("RS256"), .badSignature, .expired,
                                  .notYetValid, .issuedInFuture, .missingExpiry]
        errors += malformations.map { .malformed($0) }
        errors += JWTClaimName.allCases.map { .badClaim($0) }
        XCTAssertEqual(Set(errors.map(\.description)).count, errors.count)
    }

    func testAlgorithmNameIsSanitised() {
        XCTAssertEqual(JWTError.algorithmName("RS256"), "RS256")
        XCTAssertEqual(JWTError.algorithmName("none"), "none")
        XCTAssertEqual(JWTError.algorithmName(""), "?")
        XCTAssertEqual(JWTError.algorithmName("HS256\nforged"), "?")
        XCTAssertEqual(JWTError.algorithmName("ES256K-with-dash"), "?")
        XCTAssertEqual(JWTError.algorithmName(String(repeating: "A", count: 17)), "?")
        XCTAssertEqual(JWTError.algorithmName("é"), "?")
    }

    func testAlgorithmNames() {
        XCTAssertEqual(JWTAlgorithm.allCases.map(\.description), ["HS256", "HS384", "HS512"])
        XCTAssertNil(JWTAlgorithm(rawValue: "hs256"))
    }
}
