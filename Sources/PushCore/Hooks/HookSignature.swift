/// Signs hook requests so a backend can tell they came from pushd and were not replayed later.
///
/// `X-Pushd-Timestamp` is the Unix time in whole seconds when the request was made (decimal
/// ASCII); `X-Pushd-Signature` is the lowercase hex HMAC-SHA256, keyed with the hook secret's
/// UTF-8 bytes, of the timestamp's ASCII digits, one `.` (0x2E), then the request body's exact
/// bytes. A backend recomputes it, compares in constant time, and rejects old timestamps.
package struct HookSignature: Sendable {
    /// The header carrying the timestamp.
    package static let timestampHeader = "X-Pushd-Timestamp"
    /// The header carrying the signature.
    package static let signatureHeader = "X-Pushd-Signature"

    private let keyed: HMAC<SHA256>

    /// A signer for `secret`.
    package init(secret: String) {
        keyed = HMAC<SHA256>(key: Array(secret.utf8))
    }

    /// The signature of `body` made at `timestamp` (Unix seconds), as lowercase hex.
    package func sign(timestamp: Int64, body: [UInt8]) -> String {
        var mac = keyed
        mac.update(Array(String(timestamp).utf8) + [0x2E])
        mac.update(body)
        return Self.hex(mac.finalize())
    }

    /// Whether `signature` (hex, any case) is the signature of `body` at `timestamp`, compared in
    /// constant time.
    package func verify(timestamp: Int64, body: [UInt8], signature: String) -> Bool {
        constantTimeEquals(Array(sign(timestamp: timestamp, body: body).utf8), Array(signature.lowercased().utf8))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
