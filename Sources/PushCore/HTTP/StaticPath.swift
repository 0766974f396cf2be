/// Request paths of static files: which file under the served folder a path names, if any.
/// Pure: the endpoint in Transports does the file system's part.
package enum StaticPath {
    /// Turns a request path into a path relative to the root, or a status to answer.
    ///
    /// Works on UTF-8 bytes throughout: Swift's String operations compare grapheme clusters,
    /// so a "/", "." or "\\" followed by a combining mark would not match them.
    package static func relative(_ rawPath: String) -> Result<String, StaticPathError> {
        let bytes = Array(rawPath.utf8)
        guard bytes.first == UInt8(ascii: "/") else { return .failure(.badRequest) }
        let rawSegments = bytes.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        var segments: [String] = []
        for (index, raw) in rawSegments.enumerated() {
            guard let segment = PercentDecoding.decode(Substring(decoding: raw, as: UTF8.self)) else {
                return .failure(.badRequest)
            }
            let decoded = segment.utf8
            if decoded.contains(0) || decoded.contains(UInt8(ascii: "/")) || decoded.contains(UInt8(ascii: "\\")) {
                return .failure(.badRequest)
            }
            // Hidden files (.git, .env), "." and ".." are never served.
            if decoded.first == UInt8(ascii: ".") { return .failure(.notFound) }
            if decoded.isEmpty {
                // Only a trailing slash may be empty ("/" or "/dir/").
                if index != rawSegments.count - 1 { return .failure(.notFound) }
                continue
            }
            segments.append(segment)
        }
        if bytes.last == UInt8(ascii: "/") { segments.append("index.html") }
        return .success(segments.joined(separator: "/"))
    }
}

/// Why a request path cannot name a file.
public enum StaticPathError: Error {
    case badRequest, notFound
    package var status: Int { self == .badRequest ? 400 : 404 }
}
