/// Verifies compact JWS connection tokens (RFC 7515/7519) signed with a shared secret:
/// HS256/384/512 only, `none` and every other algorithm refused; any of several secrets may
/// have signed (rotation); registered times checked against `now` with a leeway.
///
/// The order of checks keeps work on hostile input small: the size cap comes before any
/// decoding, the header before the signature, and the payload is decoded and parsed only once
/// the signature holds. Keyed HMAC states are prepared once, at `init`.
public struct JWTVerifier: Sendable {
    /// Default cap on a token's length in bytes.
    public static let defaultMaxTokenBytes = 8 * 1024
    /// Default cap on JSON nesting in the header and payload.
    public static let defaultMaxDepth = 16
    /// Default allowance for clock skew, in seconds.
    public static let defaultLeeway: Int64 = 30

    /// The algorithms accepted.
    public let algorithms: Set<JWTAlgorithm>
    /// Seconds of clock skew tolerated on `exp`, `nbf` and `iat`.
    public let leeway: Int64
    /// Whether a token without `exp` is refused.
    public let requireExpiry: Bool
    /// Tokens longer than this many bytes are refused undecoded.
    public let maxTokenBytes: Int
    /// Arrays/objects nested deeper than this in the header or payload are refused.
    public let maxDepth: Int

    private let hs256Keys: [HMAC<SHA256>]
    private let hs384Keys: [HMAC<SHA384>]
    private let hs512Keys: [HMAC<SHA512>]

    /// A verifier accepting tokens signed with any of `secrets` by one of `algorithms`. With no
    /// secrets every token fails with `.badSignature`.
    public init(secrets: [[UInt8]],
                algorithms: Set<JWTAlgorithm> = Set(JWTAlgorithm.allCases),
                leeway: Int64 = JWTVerifier.defaultLeeway,
                requireExpiry: Bool = true,
                maxTokenBytes: Int = JWTVerifier.defaultMaxTokenBytes,
                maxDepth: Int = JWTVerifier.defaultMaxDepth) {
        precondition(leeway >= 0, "JWT leeway must not be negative")
        self.algorithms = algorithms
        self.leeway = leeway
        self.requireExpiry = requireExpiry
        self.maxTokenBytes = maxTokenBytes
        self.maxDepth = maxDepth
        hs256Keys = algorithms.contains(.hs256) ? secrets.map { HMAC(key: $0) } : []
        hs384Keys = algorithms.contains(.hs384) ? secrets.map { HMAC(key: $0) } : []
        hs512Keys = algorithms.contains(.hs512) ? secrets.map { HMAC(key: $0) } : []
    }

    /// The token's claims if it is well formed, signed with one of the secrets by an accepted
    /// algorithm and valid at `now` (epoch seconds); otherwise why not.
    public func verify(_ token: String, now: Int64) -> Result<JWTClaims, JWTError> {
        // Checked before touching the bytes, so an oversized token costs nothing more.
        guard token.utf8.count <= maxTokenBytes else { return .failure(.tooLarge(limit: maxTokenBytes)) }
        var token = token
        return token.withUTF8 { verify(UnsafeRawBufferPointer($0), now: now) }
    }

    /// `verify(_:now:)` for a token given as its bytes.
    public func verify(_ token: UnsafeRawBufferPointer, now: Int64) -> Result<JWTClaims, JWTError> {
        Result { () throws(JWTError) in try claims(of: token, now: now) }
    }

    private func claims(of token: UnsafeRawBufferPointer, now: Int64) throws(JWTError) -> JWTClaims {
        guard token.count <= maxTokenBytes else { throw .tooLarge(limit: maxTokenBytes) }
        guard let firstDot = token.firstIndex(of: UInt8(ascii: ".")) else { throw .malformed(.segmentCount) }
        guard let secondDot = token[(firstDot + 1)...].firstIndex(of: UInt8(ascii: ".")),
              !token[(secondDot + 1)...].contains(UInt8(ascii: ".")) else { throw .malformed(.segmentCount) }
        let header = UnsafeRawBufferPointer(rebasing: token[..<firstDot])
        let payload = UnsafeRawBufferPointer(rebasing: token[(firstDot + 1)..<secondDot])
        let signature = UnsafeRawBufferPointer(rebasing: token[(secondDot + 1)...])

        let algorithm = try readHeader(try decodeObject(header, notJSON: .headerNotJSON, notObject: .headerNotObject))
        guard !payload.isEmpty, !signature.isEmpty else { throw .malformed(.emptySegment) }
        guard let signatureBytes = Base64.decodeURL(signature) else { throw .malformed(.badBase64URL) }
        let signingInput = UnsafeRawBufferPointer(rebasing: token[..<secondDot])
        guard signatureMatches(signatureBytes, of: signingInput, algorithm: algorithm) else { throw .badSignature }

        let object = try decodeObject(payload, notJSON: .payloadNotJSON, notObject: .payloadNotObject)
        let claims = try JWTClaims(payload: object)
        try checkTimes(claims, now: now)
        return claims
    }

    /// Decodes one base64url segment and parses it as a JSON object.
    private func decodeObject(_ segment: UnsafeRawBufferPointer, notJSON: JWTMalformation,
                              notObject: JWTMalformation) throws(JWTError) -> JSONValue {
        guard !segment.isEmpty else { throw .malformed(.emptySegment) }
        guard let bytes = Base64.decodeURL(segment) else { throw .malformed(.badBase64URL) }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes, maxDepth: maxDepth)
        } catch .tooDeep {
            throw .malformed(.tooDeep)
        } catch {
            throw .malformed(notJSON)
        }
        guard case .object = value else { throw .malformed(notObject) }
        return value
    }

    /// The header's algorithm, if accepted. `typ` is advisory (RFC 7519 §5.1) but must be a
    /// string; `crit` names extensions this verifier does not implement, so it refuses them.
    private func readHeader(_ header: JSONValue) throws(JWTError) -> JWTAlgorithm {
        guard let name = header["alg"]?.stringValue else { throw .malformed(.missingAlgorithm) }
        guard let algorithm = JWTAlgorithm(rawValue: name), algorithms.contains(algorithm) else {
            throw .algorithmNotAllowed(JWTError.algorithmName(name))
        }
        if let type = header["typ"], type.stringValue == nil { throw .malformed(.badType) }
        if header["crit"] != nil { throw .malformed(.criticalHeader) }
        return algorithm
    }

    /// Whether any secret signs `input` to `signature`. Every secret is tried and compared in
    /// constant time, so timing tells neither which secret matched nor how much of a forgery did.
    private func signatureMatches(_ signature: [UInt8], of input: UnsafeRawBufferPointer,
                                  algorithm: JWTAlgorithm) -> Bool {
        func anyMatch<Hash>(_ keys: [HMAC<Hash>]) -> Bool {
            var matches = 0
            for key in keys {
                matches |= constantTimeEquals(key.authenticationCode(for: input), signature) ? 1 : 0
            }
            return matches != 0
        }
        switch algorithm {
        case .hs256: return anyMatch(hs256Keys)
        case .hs384: return anyMatch(hs384Keys)
        case .hs512: return anyMatch(hs512Keys)
        }
    }

    /// RFC 7519 §4.1.4-4.1.6: valid while `now < exp`, from `nbf` on, and not issued later
    /// than now; each bound widened by the leeway.
    private func checkTimes(_ claims: JWTClaims, now: Int64) throws(JWTError) {
        let earliest = now.subtractingReportingOverflow(leeway)
        let latest = now.addingReportingOverflow(leeway)
        let past = earliest.overflow ? Int64.min : earliest.partialValue
        let future = latest.overflow ? Int64.max : latest.partialValue
        if let expiresAt = claims.expiresAt {
            if expiresAt <= past { throw .expired }
        } else if requireExpiry {
            throw .missingExpiry
        }
        if let notBefore = claims.notBefore, notBefore > future { throw .notYetValid }
        if let issuedAt = claims.issuedAt, issuedAt > future { throw .issuedInFuture }
    }
}
