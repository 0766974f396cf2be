@testable import PushCore
import XCTest

/// Verification of tokens made by PyJWT (see Fixtures/JWTFixtures.swift and
/// Tests/fixtures/make_jwt_fixtures.py).
final class JWTVerifierTests: XCTestCase {
    private let now = JWTFixtures.now
    private let verifier = JWTVerifier(secrets: [JWTFixtures.secret, JWTFixtures.secondSecret])

    private func claims(_ token: String, _ verifier: JWTVerifier? = nil, at time: Int64? = nil,
                        file: StaticString = #filePath, line: UInt = #line) throws -> JWTClaims {
        switch (verifier ?? self.verifier).verify(token, now: time ?? now) {
        case .success(let claims): return claims
        case .failure(let error):
            XCTFail("refused: \(error)", file: file, line: line)
            throw error
        }
    }

    private func assertRefused(_ token: String, _ expected: JWTError, _ verifier: JWTVerifier? = nil,
                               at time: Int64? = nil, file: StaticString = #filePath, line: UInt = #line) {
        let verifier = verifier ?? self.verifier
        switch verifier.verify(token, now: time ?? now) {
        case .success: XCTFail("accepted, expected \(expected)", file: file, line: line)
        case .failure(let error): XCTAssertEqual(error, expected, file: file, line: line)
        }
        // The byte entry point agrees.
        var bytes = Array(token.utf8)
        let viaBytes = bytes.withUnsafeMutableBytes { verifier.verify(UnsafeRawBufferPointer($0), now: time ?? now) }
        if case .failure(let error) = viaBytes {
            XCTAssertEqual(error, expected, "bytes", file: file, line: line)
        } else {
            XCTFail("bytes: accepted", file: file, line: line)
        }
    }

    // MARK: - Accepted tokens

    func testAllClaimsForEachAlgorithm() throws {
        for token in [JWTFixtures.hs256, JWTFixtures.hs384, JWTFixtures.hs512] {
            let claims = try claims(token)
            XCTAssertEqual(claims.subject, "user-42")
            XCTAssertEqual(claims.data, ["name": "Ada", "admin": true, "tags": ["a", "b"], "score": 1.5])
            XCTAssertEqual(claims.rooms, ["room:1", "team:blue"])
            XCTAssertEqual(claims.allow, [GlobPattern("chat:*"), GlobPattern("ping")])
            XCTAssertEqual(claims.namespaces, [GlobPattern("/"), GlobPattern("/admin*")])
            XCTAssertEqual(claims.expiresAt, now + 600)
            XCTAssertEqual(claims.notBefore, now - 10)
            XCTAssertEqual(claims.issuedAt, now - 10)
            XCTAssertEqual(claims.payload["sub"], "user-42")
            XCTAssertEqual(claims.payload.objectValue?.count, 8)
            XCTAssertTrue(claims.allow?.contains { $0.matches("chat:message") } ?? false)
        }
    }

    func testMinimalTokenLeavesAbsentClaimsNil() throws {
        let claims = try claims(JWTFixtures.minimal)
        XCTAssertEqual(claims.subject, "user-42")
        XCTAssertNil(claims.data)
        XCTAssertNil(claims.rooms)
        XCTAssertNil(claims.allow)
        XCTAssertNil(claims.namespaces)
        XCTAssertNil(claims.notBefore)
        XCTAssertNil(claims.issuedAt)
        XCTAssertEqual(claims.expiresAt, now + 600)
    }

    func testEmptyListsStayEmptyNotAbsent() throws {
        let claims = try claims(JWTFixtures.emptyArrays)
        XCTAssertEqual(claims.rooms, [])
        XCTAssertEqual(claims.allow, [])
        XCTAssertEqual(claims.namespaces, [])
    }

    // MARK: - Secrets and signatures

    func testRotatedSecret() throws {
        XCTAssertEqual(try claims(JWTFixtures.rotated).subject, "user-42")
        XCTAssertNoThrow(try claims(JWTFixtures.rotated, JWTVerifier(secrets: [JWTFixtures.secondSecret])))
        assertRefused(JWTFixtures.rotated, .badSignature, JWTVerifier(secrets: [JWTFixtures.secret]))
        // The old secret keeps working while both are configured.
        XCTAssertNoThrow(try claims(JWTFixtures.hs512))
    }

    func testBadSignatures() {
        assertRefused(JWTFixtures.wrongSecret, .badSignature)
        assertRefused(JWTFixtures.tamperedPayload, .badSignature)
        assertRefused(JWTFixtures.truncatedSignature, .badSignature)
        assertRefused(JWTFixtures.hs256, .badSignature, JWTVerifier(secrets: []))
        assertRefused(JWTFixtures.hs256, .badSignature, JWTVerifier(secrets: [JWTFixtures.otherSecret]))
        // A secret that is a prefix of the real one is a different key.
        assertRefused(JWTFixtures.hs256, .badSignature, JWTVerifier(secrets: [Array(JWTFixtures.secret.dropLast())]))
    }

    func testEveryFlippedSignatureBitIsRefused() {
        let token = JWTFixtures.minimal
        let dot = token.lastIndex(of: ".")!
        let signature = Base64.decodeURL(Array(token[token.index(after: dot)...].utf8))!
        for index in signature.indices {
            var forged = signature
            forged[index] ^= 0x01
            assertRefused(String(token[...dot]) + Base64.encodeURL(forged), .badSignature)
        }
    }

    // MARK: - Algorithms

    func testAlgorithmConfusionIsRefused() {
        assertRefused(JWTFixtures.algorithmNone, .algorithmNotAllowed("none"))
        assertRefused(JWTFixtures.rs256, .algorithmNotAllowed("RS256"))
        assertRefused(JWTFixtures.rs256HeaderHMACSigned, .algorithmNotAllowed("RS256"))
        assertRefused(JWTFixtures.lowercaseAlgorithm, .algorithmNotAllowed("hs256"))
    }

    func testOnlyEnabledAlgorithms() throws {
        let onlyHS256 = JWTVerifier(secrets: [JWTFixtures.secret], algorithms: [.hs256])
        XCTAssertNoThrow(try claims(JWTFixtures.hs256, onlyHS256))
        assertRefused(JWTFixtures.hs384, .algorithmNotAllowed("HS384"), onlyHS256)
        assertRefused(JWTFixtures.hs512, .algorithmNotAllowed("HS512"), onlyHS256)
        let noHS256 = JWTVerifier(secrets: [JWTFixtures.secret], algorithms: [.hs384, .hs512])
        assertRefused(JWTFixtures.hs256, .algorithmNotAllowed("HS256"), noHS256)
        XCTAssertNoThrow(try claims(JWTFixtures.hs512, noHS256))
        assertRefused(JWTFixtures.hs256, .algorithmNotAllowed("HS256"), JWTVerifier(secrets: [JWTFixtures.secret], algorithms: []))
    }

    func testHostileAlgorithmNameIsNotEchoed() {
        assertRefused(JWTFixtures.hostileAlgorithmName, .algorithmNotAllowed("?"))
        guard case .failure(let error) = verifier.verify(JWTFixtures.hostileAlgorithmName, now: now) else { return XCTFail() }
        XCTAssertFalse(error.description.contains("\n"))
    }

    // MARK: - Times

    func testExpiry() throws {
        assertRefused(JWTFixtures.expired, .expired)
        XCTAssertNoThrow(try claims(JWTFixtures.expiredWithinLeeway))
        let strict = JWTVerifier(secrets: [JWTFixtures.secret], leeway: 0)
        assertRefused(JWTFixtures.expiredWithinLeeway, .expired, strict)
        // Valid strictly before exp: at exp itself the token is over.
        assertRefused(JWTFixtures.expiresNow, .expired, strict)
        XCTAssertNoThrow(try claims(JWTFixtures.expiresNow, strict, at: now - 1))
        // With the default 30 s leeway the last good second is exp + 29.
        XCTAssertNoThrow(try claims(JWTFixtures.hs256, at: now + 600 + 29))
        assertRefused(JWTFixtures.hs256, .expired, at: now + 600 + 30)
    }

    func testFractionalExpiryRoundsDown() throws {
        let strict = JWTVerifier(secrets: [JWTFixtures.secret], leeway: 0)
        XCTAssertEqual(try claims(JWTFixtures.fractionalExpiry).expiresAt, now)
        assertRefused(JWTFixtures.fractionalExpiry, .expired, strict)
        XCTAssertNoThrow(try claims(JWTFixtures.fractionalExpiry, strict, at: now - 1))
    }

    func testNotBefore() throws {
        assertRefused(JWTFixtures.notYetValid, .notYetValid)
        XCTAssertNoThrow(try claims(JWTFixtures.notYetValid, at: now + 100 - 30))
        XCTAssertNoThrow(try claims(JWTFixtures.notYetValidWithinLeeway))
        assertRefused(JWTFixtures.notYetValidWithinLeeway, .notYetValid, JWTVerifier(secrets: [JWTFixtures.secret], leeway: 0))
    }

    func testIssuedInFuture() throws {
        assertRefused(JWTFixtures.issuedInFuture, .issuedInFuture)
        XCTAssertNoThrow(try claims(JWTFixtures.issuedInFuture, at: now + 70))
    }

    func testMissingExpiry() throws {
        assertRefused(JWTFixtures.missingExpiry, .missingExpiry)
        let lenient = JWTVerifier(secrets: [JWTFixtures.secret], requireExpiry: false)
        let claims = try claims(JWTFixtures.missingExpiry, lenient)
        XCTAssertNil(claims.expiresAt)
        XCTAssertEqual(claims.subject, "user-42")
        // Without the requirement an exp that is there still counts.
        assertRefused(JWTFixtures.expired, .expired, lenient)
    }

    func testExtremeClocksDoNotOverflow() {
        assertRefused(JWTFixtures.hs256, .expired, at: .max)
        assertRefused(JWTFixtures.hs256, .notYetValid, at: .min)
    }

    // MARK: - Shape

    func testSegmentCount() {
        for token in ["", "abc", "eyJhbGciOiJIUzI1NiJ9.e30", JWTFixtures.hs256 + ".e30", "a.b.c.d"] {
            assertRefused(token, .malformed(.segmentCount))
        }
    }

    func testEmptySegments() {
        let parts = JWTFixtures.minimal.split(separator: ".", omittingEmptySubsequences: false)
        assertRefused("..", .malformed(.emptySegment))
        assertRefused(".\(parts[1]).\(parts[2])", .malformed(.emptySegment))
        assertRefused("\(parts[0])..\(parts[2])", .malformed(.emptySegment))
        assertRefused("\(parts[0]).\(parts[1]).", .malformed(.emptySegment))
        assertRefused(JWTFixtures.emptyPayload, .malformed(.emptySegment))
    }

    func testBadBase64URL() {
        assertRefused(JWTFixtures.paddedSignature, .malformed(.badBase64URL))
        assertRefused(JWTFixtures.paddedHeader, .malformed(.badBase64URL))
        assertRefused(JWTFixtures.standardAlphabetSignature, .malformed(.badBase64URL))
        assertRefused(JWTFixtures.badPayloadBase64, .malformed(.badBase64URL))
        assertRefused("é" + JWTFixtures.minimal, .malformed(.badBase64URL))
        assertRefused(JWTFixtures.minimal + " ", .malformed(.badBase64URL))
    }

    func testBadHeaders() {
        assertRefused(JWTFixtures.headerNotJSON, .malformed(.headerNotJSON))
        assertRefused(JWTFixtures.headerNotObject, .malformed(.headerNotObject))
        assertRefused(JWTFixtures.headerWithoutAlgorithm, .malformed(.missingAlgorithm))
        assertRefused(JWTFixtures.headerAlgorithmNotString, .malformed(.missingAlgorithm))
        assertRefused(JWTFixtures.headerTypeNotString, .malformed(.badType))
        assertRefused(JWTFixtures.headerCritical, .malformed(.criticalHeader))
    }

    func testBadPayloads() {
        assertRefused(JWTFixtures.payloadNotJSON, .malformed(.payloadNotJSON))
        assertRefused(JWTFixtures.payloadNotObject, .malformed(.payloadNotObject))
        assertRefused(JWTFixtures.payloadTooDeep, .malformed(.tooDeep))
        // A deeper limit lets it parse; it then lacks exp.
        assertRefused(JWTFixtures.payloadTooDeep, .missingExpiry, JWTVerifier(secrets: [JWTFixtures.secret], maxDepth: 128))
    }

    func testSignatureIsCheckedBeforeThePayloadIsRead() {
        // The same malformed payload, signed with a secret the verifier lacks, fails on the signature.
        let parts = JWTFixtures.payloadNotJSON.split(separator: ".")
        let forged = "\(parts[0]).\(parts[1])." + Base64.encodeURL(HMAC<SHA256>.authenticationCode(
            for: Array("\(parts[0]).\(parts[1])".utf8), key: JWTFixtures.otherSecret))
        assertRefused(forged, .badSignature)
    }

    // MARK: - Size

    func testSizeLimit() throws {
        XCTAssertEqual(JWTFixtures.atSizeLimit.utf8.count, JWTFixtures.maxTokenBytes)
        XCTAssertEqual(JWTFixtures.overSizeLimit.utf8.count, JWTFixtures.maxTokenBytes + 1)
        XCTAssertEqual(JWTVerifier.defaultMaxTokenBytes, JWTFixtures.maxTokenBytes)
        XCTAssertNoThrow(try claims(JWTFixtures.atSizeLimit))
        assertRefused(JWTFixtures.overSizeLimit, .tooLarge(limit: 8192))
        assertRefused(JWTFixtures.hs256, .tooLarge(limit: 100), JWTVerifier(secrets: [JWTFixtures.secret], maxTokenBytes: 100))
        // Refused by length alone: garbage of any size never reaches the decoders.
        assertRefused(String(repeating: "!", count: 1 << 20), .tooLarge(limit: 8192))
    }

    // MARK: - Claim types

    func testWrongClaimTypes() {
        let cases: [(String, JWTClaimName)] = [
            (JWTFixtures.subNotString, .sub), (JWTFixtures.dataNotObject, .data), (JWTFixtures.dataNull, .data),
            (JWTFixtures.roomsNotArray, .rooms), (JWTFixtures.roomsWithNumber, .rooms),
            (JWTFixtures.allowNotArray, .allow), (JWTFixtures.namespacesWithNull, .ns),
            (JWTFixtures.expiryString, .exp), (JWTFixtures.expiryNull, .exp), (JWTFixtures.expiryHuge, .exp),
            (JWTFixtures.notBeforeBool, .nbf), (JWTFixtures.issuedAtString, .iat),
        ]
        for (token, claim) in cases {
            assertRefused(token, .badClaim(claim))
        }
    }
}
