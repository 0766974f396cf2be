/// Why a connection token was refused. Descriptions are stable sentences for logs and never
/// echo token content beyond a short, plain algorithm name.
public enum JWTError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The token is longer than the verifier accepts; nothing of it was decoded.
    case tooLarge(limit: Int)
    /// The token is not a well-formed compact JWS carrying a JSON object.
    case malformed(JWTMalformation)
    /// The header names an algorithm this verifier does not accept (`none`, RS256, ...); the
    /// name as given when it is short and alphanumeric, else `?`.
    case algorithmNotAllowed(String)
    /// No configured secret produces the token's signature.
    case badSignature
    /// `exp` is in the past, beyond the leeway.
    case expired
    /// `nbf` is in the future, beyond the leeway.
    case notYetValid
    /// `iat` is in the future, beyond the leeway.
    case issuedInFuture
    /// The verifier requires `exp` and the token has none.
    case missingExpiry
    /// A claim pushd reads has the wrong JSON type or an unusable value.
    case badClaim(JWTClaimName)

    /// A stable sentence for logs.
    public var description: String {
        switch self {
        case .tooLarge(let limit): "token over \(limit) bytes"
        case .malformed(let reason): "malformed token: \(reason)"
        case .algorithmNotAllowed(let name): "algorithm \(name) not allowed"
        case .badSignature: "signature does not match"
        case .expired: "token expired"
        case .notYetValid: "token not valid yet (nbf)"
        case .issuedInFuture: "token issued in the future (iat)"
        case .missingExpiry: "token has no expiry (exp)"
        case .badClaim(let claim): "claim \(claim) has a bad type or value"
        }
    }

    /// The algorithm name for `.algorithmNotAllowed`: kept when plainly a name, else `?`, so
    /// a hostile header cannot write arbitrary text into logs.
    static func algorithmName(_ name: String) -> String {
        let plain = name.utf8.count <= 16 && !name.isEmpty
            && name.utf8.allSatisfy { ($0 | 0x20) &- UInt8(ascii: "a") < 26 || $0 &- UInt8(ascii: "0") < 10 }
        return plain ? name : "?"
    }
}

/// What is wrong with the shape of a token.
public enum JWTMalformation: Sendable, Hashable, CustomStringConvertible {
    /// Not exactly three dot-separated segments.
    case segmentCount
    /// A segment is empty.
    case emptySegment
    /// A segment is not unpadded base64url.
    case badBase64URL
    /// The header is not JSON.
    case headerNotJSON
    /// The header is JSON but not an object.
    case headerNotObject
    /// The header has no `alg` string.
    case missingAlgorithm
    /// The header's `typ` is not a string.
    case badType
    /// The header lists `crit` extensions, none of which are understood (RFC 7515 §4.1.11).
    case criticalHeader
    /// The payload is not JSON.
    case payloadNotJSON
    /// The payload is JSON but not an object.
    case payloadNotObject
    /// The header or payload nests arrays/objects deeper than the verifier allows.
    case tooDeep

    /// A stable phrase for logs.
    public var description: String {
        switch self {
        case .segmentCount: "not three segments"
        case .emptySegment: "empty segment"
        case .badBase64URL: "segment is not base64url"
        case .headerNotJSON: "header is not JSON"
        case .headerNotObject: "header is not an object"
        case .missingAlgorithm: "header has no alg"
        case .badType: "header typ is not a string"
        case .criticalHeader: "header has crit extensions"
        case .payloadNotJSON: "payload is not JSON"
        case .payloadNotObject: "payload is not an object"
        case .tooDeep: "JSON nested too deep"
        }
    }
}

/// A claim pushd reads from a token payload.
public enum JWTClaimName: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Subject: the user id (string).
    case sub
    /// Free data handed to the application (object).
    case data
    /// Rooms to join on connect (array of strings).
    case rooms
    /// Event patterns the client may emit (array of pattern strings).
    case allow
    /// Namespace patterns the client may join (array of pattern strings).
    case ns
    /// Expiry, epoch seconds (number).
    case exp
    /// Not-before, epoch seconds (number).
    case nbf
    /// Issued-at, epoch seconds (number).
    case iat

    /// The claim's name in the payload.
    public var description: String { rawValue }
}
