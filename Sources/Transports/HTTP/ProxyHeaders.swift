import PushCore

/// What a reverse proxy in front of pushd says about the request: X-Forwarded-For, -Host and
/// -Proto. Anyone can send these headers, so they are believed only when the server is told
/// to trust its proxy (`--trust-proxy`); otherwise the connection and Host speak.
public struct ProxyHeaders: Sendable {
    /// The host the browser addressed (X-Forwarded-Host, else Host).
    public let host: String?
    /// "http" or "https" as the proxy received it; nil when untrusted or not sent.
    public let scheme: String?
    /// The client's address: the last X-Forwarded-For entry (the one the proxy in front
    /// added), else the connection's peer.
    public let clientAddress: String

    public init(_ headers: HTTPHeaders, peer: String, trusted: Bool) {
        guard trusted else {
            host = headers["Host"]
            scheme = nil
            clientAddress = peer
            return
        }
        host = Self.last(headers.values("X-Forwarded-Host")) ?? headers["Host"]
        let proto = Self.last(headers.values("X-Forwarded-Proto"))?.lowercased()
        scheme = proto == "http" || proto == "https" ? proto : nil
        clientAddress = Self.last(headers.values("X-Forwarded-For")).flatMap(Self.address) ?? peer
    }

    /// The last comma-separated entry of the last header line, trimmed.
    static func last(_ lines: [String]) -> String? {
        guard let line = lines.last, let entry = line.split(separator: ",").last else { return nil }
        let value = String(entry).trimmingSpaces
        return value.isEmpty ? nil : value
    }

    /// An IP address (v4, v6 in brackets or not, optionally with a port) in the form peers are
    /// shown in ("1.2.3.4", "1.2.3.4:5", "[::1]"); nil for anything else.
    static func address(_ entry: String) -> String? {
        let allowed = entry.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
        }
        guard allowed, entry.utf8.count <= 64 else { return nil }
        let colons = entry.utf8.count { $0 == UInt8(ascii: ":") }
        // A bare IPv6 address gets brackets so its last group is not read as a port.
        return colons > 1 && !entry.hasPrefix("[") ? "[\(entry)]" : entry
    }
}
