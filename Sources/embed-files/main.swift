import Glibc

// Writes a Swift file that holds text files as raw string literals:
// embed-files OUTPUT.swift FILE...  (the EmbedClient plugin runs it at build time).

func fail(_ message: String) -> Never {
    let text = Array("embed-files: \(message)\n".utf8)
    _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(1)
}

func readFile(_ path: String) -> [UInt8] {
    guard let file = fopen(path, "rb") else { fail("cannot read \(path)") }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buffer, 1, buffer.count, file)
        if n <= 0 { break }
        bytes += buffer[0..<n]
    }
    return bytes
}

/// A raw multi-line literal of `text`: one more "#" than the longest run in the text, so no
/// escape or closing delimiter can occur inside.
func literal(_ bytes: [UInt8], path: String) -> String {
    guard !bytes.contains(0), !bytes.contains(UInt8(ascii: "\r")) else { fail("\(path): NUL or CR cannot be embedded") }
    var longest = 0, run = 0
    for byte in bytes {
        run = byte == UInt8(ascii: "#") ? run + 1 : 0
        longest = max(longest, run)
    }
    let hashes = String(repeating: "#", count: longest + 1)
    return hashes + "\"\"\"\n" + String(decoding: bytes, as: UTF8.self) + "\n\"\"\"" + hashes
}

/// FNV-1a, for an ETag that changes with the content.
func fingerprint(_ bytes: [UInt8]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return String(hash, radix: 16)
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: embed-files OUTPUT.swift FILE...") }
var source = "// Generated at build time from Public/ by the EmbedClient plugin; edit the files there.\n\n"
source += "/// The browser client's files, served when the public folder lacks them.\n"
source += "enum EmbeddedClientFiles {\n    static let files: [(name: String, etag: String, text: String)] = [\n"
for path in arguments.dropFirst(2) {
    let bytes = readFile(path)
    let name = path.split(separator: "/").last.map(String.init) ?? path
    source += "        (\"\(name)\", \"\\\"builtin-\(fingerprint(bytes))\\\"\", \(literal(bytes, path: path))),\n"
}
source += "    ]\n}\n"
guard let output = fopen(arguments[1], "wb") else { fail("cannot write \(arguments[1])") }
let bytes = Array(source.utf8)
guard fwrite(bytes, 1, bytes.count, output) == bytes.count, fclose(output) == 0 else { fail("cannot write \(arguments[1])") }
