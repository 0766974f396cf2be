/// An `http://` URL split into what the client needs: the origin it connects to and the path it
/// asks for. TLS is not spoken: a backend behind HTTPS is reached through a local proxy.
public struct HTTPClientURL: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: Int
    /// Path and query, as sent in the request line ("/" when the URL has none).
    public let path: String

    /// Why a URL was refused.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case notHTTP
        case https
        case missingHost
        case invalidPort

        public var description: String {
            switch self {
            case .notHTTP: "the URL must start with http://"
            case .https: "https:// is not supported; reach a TLS backend through a local proxy"
            case .missingHost: "the URL has no host"
            case .invalidPort: "the URL's port is not a number from 1 to 65535"
            }
        }
    }

    /// Parses `http://host[:port][/path][?query]`; IPv6 hosts in brackets.
    public static func parse(_ text: String) -> Result<HTTPClientURL, Problem> {
        let lower = text.lowercased()
        if lower.hasPrefix("https://") { return .failure(.https) }
        guard lower.hasPrefix("http://") else { return .failure(.notHTTP) }
        let rest = text.dropFirst(7)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var path = String(rest[authorityEnd...])
        if let fragment = path.firstIndex(of: "#") { path = String(path[..<fragment]) }
        if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
        var host = Substring(authority)
        var port = 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return .failure(.missingHost) }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let value = Int(after.dropFirst()), (1...65535).contains(value) else {
                    return .failure(.invalidPort)
                }
                port = value
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard let value = Int(authority[authority.index(after: colon)...]), (1...65535).contains(value) else {
                return .failure(.invalidPort)
            }
            port = value
        }
        guard !host.isEmpty else { return .failure(.missingHost) }
        return .success(HTTPClientURL(host: String(host), port: port, path: path))
    }

    /// The Host header's value.
    public var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }

    public var description: String { "http://\(hostHeader)\(path)" }
}
