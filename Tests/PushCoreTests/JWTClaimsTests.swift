@testable import PushCore
import XCTest

final class JWTClaimsTests: XCTestCase {
    private func refusal(_ payload: JSONValue) -> JWTError? {
        do {
            _ = try JWTClaims(payload: payload)
            return nil
        } catch {
            return error
        }
    }

    func testReadsEveryClaim() throws {
        let payload: JSONValue = ["sub": "u1", "data": ["k": 1], "rooms": ["r"], "allow": ["a*"], "ns": ["/x"],
                                  "exp": 200, "nbf": 100, "iat": 100, "extra": "kept"]
        let claims = try JWTClaims(payload: payload)
        XCTAssertEqual(claims.subject, "u1")
        XCTAssertEqual(claims.data, ["k": 1])
        XCTAssertEqual(claims.rooms, ["r"])
        XCTAssertEqual(claims.allow, [GlobPattern("a*")])
        XCTAssertEqual(claims.namespaces, [GlobPattern("/x")])
        XCTAssertEqual(claims.expiresAt, 200)
        XCTAssertEqual(claims.notBefore, 100)
        XCTAssertEqual(claims.issuedAt, 100)
        XCTAssertEqual(claims.payload["extra"], "kept")
    }

    func testTimesRoundTowardsRefusal() throws {
        // exp rounds down (expires no later), nbf and iat round up (start no earlier).
        let claims = try JWTClaims(payload: ["exp": 10.9, "nbf": 10.1, "iat": -0.5])
        XCTAssertEqual(claims.expiresAt, 10)
        XCTAssertEqual(claims.notBefore, 11)
        XCTAssertEqual(claims.issuedAt, 0)
    }

    func testTimesWithinTwoToThe53() throws {
        XCTAssertEqual(try JWTClaims(payload: ["exp": 9_007_199_254_740_992.0]).expiresAt, 9_007_199_254_740_992)
        XCTAssertEqual(try JWTClaims(payload: ["exp": -9_007_199_254_740_992.0]).expiresAt, -9_007_199_254_740_992)
        XCTAssertEqual(refusal(["exp": 18_014_398_509_481_984.0]), .badClaim(.exp))
        XCTAssertEqual(refusal(["nbf": .number(.infinity)]), .badClaim(.nbf))
        XCTAssertEqual(refusal(["iat": .number(.nan)]), .badClaim(.iat))
    }

    func testWrongTypes() {
        XCTAssertEqual(refusal(["sub": 1]), .badClaim(.sub))
        XCTAssertEqual(refusal(["sub": nil]), .badClaim(.sub))
        XCTAssertEqual(refusal(["data": "x"]), .badClaim(.data))
        XCTAssertEqual(refusal(["rooms": [["nested"]]]), .badClaim(.rooms))
        XCTAssertEqual(refusal(["allow": ["ok", true]]), .badClaim(.allow))
        XCTAssertEqual(refusal(["ns": ["/": 1]]), .badClaim(.ns))
        XCTAssertEqual(refusal(["exp": "1"]), .badClaim(.exp))
        XCTAssertEqual(refusal(["exp": [1]]), .badClaim(.exp))
        XCTAssertEqual(refusal(["nbf": false]), .badClaim(.nbf))
        XCTAssertEqual(refusal(["iat": ["n": 1]]), .badClaim(.iat))
    }

    func testPayloadMustBeAnObject() {
        XCTAssertEqual(refusal([1, 2]), .malformed(.payloadNotObject))
        XCTAssertEqual(refusal("x"), .malformed(.payloadNotObject))
        XCTAssertNil(refusal([:]))
    }
}
