/// The claims of a verified connection token that pushd acts on, read and type-checked, plus
/// the whole payload for anything else. A claim that is absent is nil (an empty array is a
/// real, empty list); every present one has the type given here, or the token was refused.
public struct JWTClaims: Sendable, Equatable {
    /// `sub`: who the connection belongs to.
    public var subject: String?
    /// `data`: an object handed to the application as the socket's data.
    public var data: JSONValue?
    /// `rooms`: rooms the socket joins on connect.
    public var rooms: [String]?
    /// `allow`: patterns of the rooms the client may join where a room rule says "token".
    public var allow: [GlobPattern]?
    /// `ns`: patterns of the namespaces the client may join.
    public var namespaces: [GlobPattern]?
    /// `exp`, epoch seconds (a fractional value rounded down, so never later than given).
    public var expiresAt: Int64?
    /// `nbf`, epoch seconds (a fractional value rounded up).
    public var notBefore: Int64?
    /// `iat`, epoch seconds (a fractional value rounded up).
    public var issuedAt: Int64?
    /// The whole payload object.
    public var payload: JSONValue

    /// Reads and type-checks the claims of a payload object. Times are only read here; the
    /// verifier compares them with the clock.
    public init(payload: JSONValue) throws(JWTError) {
        guard case .object = payload else { throw .malformed(.payloadNotObject) }
        self.payload = payload
        subject = try Self.read(.sub, in: payload) { $0.stringValue }
        data = try Self.read(.data, in: payload) { value -> JSONValue? in
            guard case .object = value else { return nil }
            return value
        }
        rooms = try Self.read(.rooms, in: payload) { Self.strings($0) }
        allow = try Self.read(.allow, in: payload) { Self.strings($0)?.map(GlobPattern.init) }
        namespaces = try Self.read(.ns, in: payload) { Self.strings($0)?.map(GlobPattern.init) }
        expiresAt = try Self.read(.exp, in: payload) { Self.seconds($0, roundingUp: false) }
        notBefore = try Self.read(.nbf, in: payload) { Self.seconds($0, roundingUp: true) }
        issuedAt = try Self.read(.iat, in: payload) { Self.seconds($0, roundingUp: true) }
    }

    /// The claim converted by `convert`; nil when absent; `.badClaim` when present (null
    /// included) but `convert` refuses it.
    private static func read<T>(_ claim: JWTClaimName, in payload: JSONValue,
                                _ convert: (JSONValue) -> T?) throws(JWTError) -> T? {
        guard let value = payload[claim.rawValue] else { return nil }
        guard let converted = convert(value) else { throw .badClaim(claim) }
        return converted
    }

    private static func strings(_ value: JSONValue) -> [String]? {
        guard let elements = value.arrayValue else { return nil }
        var strings: [String] = []
        strings.reserveCapacity(elements.count)
        for element in elements {
            guard let string = element.stringValue else { return nil }
            strings.append(string)
        }
        return strings
    }

    /// Largest magnitude accepted for a time: 2^53, the end of exactly representable integers.
    private static let secondsLimit = 9_007_199_254_740_992.0

    /// A NumericDate (RFC 7519 §2): any JSON number within ±2^53, rounded to whole seconds.
    private static func seconds(_ value: JSONValue, roundingUp: Bool) -> Int64? {
        guard let number = value.doubleValue, number.isFinite, abs(number) <= secondsLimit else { return nil }
        return Int64(roundingUp ? number.rounded(.up) : number.rounded(.down))
    }
}
