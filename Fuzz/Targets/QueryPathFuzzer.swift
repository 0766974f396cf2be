@testable import PushCore

/// Fuzzes the request-target decoders: `QueryString`, `PercentDecoding` and
/// `StaticPath.relative`.
///
/// Input: a request target ("/dir/a%20b.js?x=1&y=2"); the part before the first "?" is the path,
/// the rest the query (invalid UTF-8 is repaired, as the HTTP parser does).
///
/// Checked: a relative path handed to the file system never has a leading "/", an empty, "." or
/// ".." segment, a hidden (dot-first) segment, NUL or backslash; no NUL is decoded from an escape;
/// decoded segments and query pairs survive percent-encoding and decoding again unchanged;
/// `QueryString.value` finds what `QueryString.parse` returns; `EngineQuery` refuses what it
/// refuses and reads the same first values, whether from the query alone or in place in its
/// target.
@_cdecl("LLVMFuzzerTestOneInput")
public func queryPathFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let target = String(decoding: UnsafeRawBufferPointer(start: size > 0 ? data : nil, count: size), as: UTF8.self)
    let path: Substring
    let query: Substring
    // Split at the first "?" byte, as the parser does: a "?" followed by a combining mark is one
    // Character with it, and a Character search would not find it.
    if let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
        path = target[..<mark]
        query = target[target.utf8.index(after: mark)...]
    } else {
        path = target[...]
        query = ""
    }
    checkRelativePath(String(path))
    for segment in path.split(separator: "/", omittingEmptySubsequences: false) { checkPercentDecoding(segment) }
    checkPercentDecoding(path)
    checkQuery(String(query))
    checkQuery(target)
    checkQueryOfTarget(target, query: String(query))
    return 0
}

/// A parsed head's query is its target's, read in place: the same as reading it on its own.
private func checkQueryOfTarget(_ target: String, query: String) {
    let head = HTTPRequestHead(method: .get, target: target, path: "/", versionMinor: 1, headers: HTTPHeaders(),
                               keepAlive: true, expectsContinue: false, upgrade: nil, body: .none)
    precondition(head.query == query, "a head's query is not its target's")
    let inPlace = EngineQuery(head.target, queryOfTarget: true)
    let alone = EngineQuery(query)
    precondition(inPlace == alone, "EngineQuery reads a target's query unlike the query alone")
    precondition(inPlace?.transportKind == alone?.transportKind && inPlace?.hasSID == alone?.hasSID
                 && inPlace?.isProtocolVersion4 == alone?.isProtocolVersion4, "EngineQuery's readings differ in place")
}

private func checkRelativePath(_ path: String) {
    guard case .success(let relative) = StaticPath.relative(path) else { return }
    let bytes = Array(relative.utf8)
    precondition(!bytes.isEmpty, "empty relative path")
    precondition(bytes.first != UInt8(ascii: "/"), "relative path starts with /")
    precondition(!bytes.contains(0), "NUL in relative path")
    precondition(!bytes.contains(UInt8(ascii: "\\")), "backslash in relative path")
    for segment in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
        precondition(!segment.isEmpty, "empty segment in relative path")
        precondition(!segment.elementsEqual("..".utf8), "'..' segment in relative path")
        precondition(!segment.elementsEqual(".".utf8), "'.' segment in relative path")
        precondition(segment.first != UInt8(ascii: "."), "hidden segment in relative path")
    }
    if path.hasSuffix("/") {
        precondition(relative == "index.html" || relative.hasSuffix("/index.html"), "directory without index.html")
    }
}

private func checkPercentDecoding(_ segment: Substring) {
    guard let decoded = PercentDecoding.decode(segment) else { return }
    // %00 must not decode (a raw NUL is the caller's to reject: HTTP never delivers one).
    precondition(!decoded.utf8.contains(0) || segment.utf8.contains(0), "NUL decoded from an escape")
    if decoded.utf8.contains(0) { return }  // would re-encode as %00, which is refused
    precondition(decoded.utf8.count <= segment.utf8.count, "decoding made the text longer")
    if !segment.utf8.contains(UInt8(ascii: "%")) {
        precondition(decoded.utf8.elementsEqual(segment.utf8), "text without escapes changed")
    }
    let encoded = percentEncode(decoded, spaceAsPlus: false)
    guard let again = PercentDecoding.decode(encoded[...]) else { preconditionFailure("re-encoded segment does not decode") }
    precondition(again.utf8.elementsEqual(decoded.utf8), "percent-encoding round trip changed the text")
}

private func checkQuery(_ query: String) {
    // The engine's one-pass reading refuses exactly what the full parse refuses, and finds the
    // first value of each of its parameters.
    let engine = EngineQuery(query)
    guard let pairs = QueryString.parse(query) else {
        precondition(engine == nil, "EngineQuery takes a query parse refuses")
        return
    }
    guard let engine else { preconditionFailure("EngineQuery refuses a query parse takes") }
    for (name, read) in [("EIO", engine.protocolVersion), ("transport", engine.transport), ("sid", engine.sid), ("block", engine.block)] {
        precondition(read == pairs.first { $0.0 == name }?.1, "EngineQuery misreads \(name)")
    }
    precondition(engine.transportKind == engine.transport.flatMap(EngineTransportKind.init(rawValue:)),
                 "EngineQuery's transport kind is not its transport's")
    let segments = query.utf8.split(separator: UInt8(ascii: "&"))
    precondition(pairs.count == segments.count, "one pair per non-empty segment")
    if let (name, value) = pairs.first {
        precondition(QueryString.value(name, in: query).map { $0.utf8.elementsEqual(value.utf8) } == true,
                     "value(_:in:) misses the first pair")
    }
    for (name, _) in pairs {
        precondition(QueryString.value(name, in: query) != nil, "value(_:in:) misses a pair parse returns")
    }
    // A raw NUL passes through (HTTP never delivers one); %00 must not decode, so stop here.
    if query.utf8.contains(0) { return }
    for (name, value) in pairs {
        precondition(!name.utf8.contains(0) && !value.utf8.contains(0), "NUL decoded from an escape in a query")
    }
    // Encoded again (spaces as '+' or as %20), the pairs must come back byte for byte.
    for spaceAsPlus in [false, true] {
        let encoded = pairs.map { percentEncode($0.0, spaceAsPlus: spaceAsPlus) + "=" + percentEncode($0.1, spaceAsPlus: spaceAsPlus) }
            .joined(separator: "&")
        guard let again = QueryString.parse(encoded) else { preconditionFailure("re-encoded query does not parse") }
        precondition(again.count == pairs.count, "re-encoded query has other pairs")
        for (a, b) in zip(again, pairs) {
            precondition(a.0.utf8.elementsEqual(b.0.utf8) && a.1.utf8.elementsEqual(b.1.utf8), "query round trip changed a pair")
        }
    }
}

/// Percent-encodes every byte but RFC 3986 unreserved ones.
private func percentEncode(_ text: String, spaceAsPlus: Bool) -> String {
    let hex = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            out.append(byte)
        case UInt8(ascii: " ") where spaceAsPlus:
            out.append(UInt8(ascii: "+"))
        default:
            out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
        }
    }
    return String(decoding: out, as: UTF8.self)
}
