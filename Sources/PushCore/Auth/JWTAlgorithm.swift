/// A JWS algorithm (RFC 7518 §3.1) a verifier can accept: the HMAC ones only, keyed with shared
/// secrets. Names compare exactly as written in the header (case-sensitive).
public enum JWTAlgorithm: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// HMAC with SHA-256.
    case hs256 = "HS256"
    /// HMAC with SHA-384.
    case hs384 = "HS384"
    /// HMAC with SHA-512.
    case hs512 = "HS512"

    /// The name a JWS header gives it.
    public var description: String { rawValue }
}
