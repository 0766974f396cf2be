import Glibc
import PushCore

extension Configuration {
    /// `--config FILE`: a JSON object whose keys are flag names (`"port": 3000`, `"api-key":
    /// ["k1", "k2"]`) plus `"namespaces"` for room rules. Environment variables and flags win
    /// over it.
    static let fileOption = "config"

    /// The settings of a config file as flag values: name -> text, in the file's order, and
    /// the room rules if any.
    static func readConfigFile(_ path: String, contents: [UInt8]) throws(OptionError) -> (values: [(String, String)], namespaces: JSONValue?) {
        let document: JSONValue
        do {
            document = try JSONParser.parse(contents, maxDepth: 16)
        } catch {
            throw OptionError(description: "--config \(path): not valid JSON (byte \(error.offset))")
        }
        guard case .object(let members) = document else {
            throw OptionError(description: "--config \(path): the file must hold a JSON object")
        }
        var values: [(String, String)] = []
        var namespaces: JSONValue?
        for member in members {
            if member.key == "namespaces" {
                namespaces = member.value
                continue
            }
            guard member.key != fileOption, options.contains(where: { $0.name == member.key }) else {
                throw OptionError(description: "--config \(path): unknown setting \"\(member.key)\"\(suggestion(for: member.key))")
            }
            guard let text = flagText(member.value) else {
                throw OptionError(description: "--config \(path): \"\(member.key)\" must be a string, number, boolean or list of strings")
            }
            values.append((member.key, text))
        }
        return (values, namespaces)
    }

    /// A JSON value as the text a flag takes: lists are comma-separated.
    private static func flagText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number):
            if let whole = Int(exactly: number) { return String(whole) }
            return value.jsonString
        case .array(let items):
            let texts = items.compactMap(\.stringValue)
            return texts.count == items.count ? texts.joined(separator: ",") : nil
        default: return nil
        }
    }

    /// ", did you mean --cors-origin?" for a near miss of a known flag, else "".
    static func suggestion(for name: String) -> String {
        let ranked = options.map { ($0.name, editDistance(name, $0.name)) }.min { $0.1 < $1.1 }
        guard let (best, distance) = ranked, distance <= max(2, name.count / 3) else { return "" }
        return "; did you mean --\(best)?"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(1, b.count) where !b.isEmpty {
                let saved = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = saved
            }
        }
        return row[b.count]
    }

    /// Reads a whole (small) file; nil if it cannot be read.
    static func readFile(_ path: String, limit: Int = 1 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while bytes.count <= limit {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 { return nil }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
        }
        return nil
    }
}
