/// A command-line flag that can also come from the environment.
struct Option: Sendable {
    let name: String
    let valueName: String
    let help: String
    let defaultValue: String
    let apply: @Sendable (inout Configuration, String) throws(OptionError) -> Void

    init(name: String, valueName: String, help: String, defaultValue: String,
         apply: @escaping @Sendable (inout Configuration, String) throws(OptionError) -> Void) {
        self.name = name
        self.valueName = valueName
        self.help = help
        self.defaultValue = defaultValue
        self.apply = apply
    }

    /// A yes/no flag: `--name` alone means true, `--name=false` false.
    static func boolean(name: String, help: String, defaultValue: Bool,
                        apply: @escaping @Sendable (inout Configuration, Bool) -> Void) -> Option {
        Option(name: name, valueName: "", help: help, defaultValue: defaultValue ? "true" : "false") { c, v throws(OptionError) in
            apply(&c, try OptionValue.boolean(v, name))
        }
    }

    var isBoolean: Bool { valueName.isEmpty }

    /// PUSHD_ plus the flag name in upper snake case: --drain-timeout -> PUSHD_DRAIN_TIMEOUT.
    var environmentName: String {
        "PUSHD_" + name.uppercased().replacingDashes
    }
}

struct OptionError: Error, CustomStringConvertible {
    let description: String
}

extension String {
    fileprivate var replacingDashes: String { String(map { $0 == "-" ? "_" : $0 }) }
}

/// Value parsers shared by the option table.
enum OptionValue {
    static func integer(_ text: String, _ name: String, in range: ClosedRange<Int>) throws(OptionError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw OptionError(description: "--\(name) needs a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }

    /// A byte count with an optional suffix: 1000000, 64k / 64KiB, 1m / 1MiB.
    static func bytes(_ text: String, _ name: String) throws(OptionError) -> Int {
        let lower = text.lowercased()
        let units: [(String, Int)] = [("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30), ("b", 1)]
        for (suffix, factor) in units where lower.hasSuffix(suffix) {
            if let value = Int(lower.dropLast(suffix.count)), value >= 0, value <= Int.max / factor { return value * factor }
            break
        }
        if let value = Int(lower), value >= 0 { return value }
        throw OptionError(description: "--\(name) needs a byte count such as 65536, 64KiB or 1MiB, not '\(text)'")
    }

    /// A duration in milliseconds: 300ms, 5s, 2m. A bare number is milliseconds, and refused
    /// below 1000 (other than 0): `--ping-interval 25` is far more likely meant as seconds.
    static func duration(_ text: String, _ name: String) throws(OptionError) -> Int64 {
        let lower = text.lowercased()
        let units: [(String, Double)] = [("ms", 1), ("s", 1000), ("m", 60_000)]
        for (suffix, factor) in units where lower.hasSuffix(suffix) {
            if let value = Double(lower.dropLast(suffix.count)), value >= 0, value * factor < 1e12 { return Int64(value * factor) }
            break
        }
        if let value = Int64(lower), value >= 0 {
            guard value == 0 || value >= 1000 else {
                throw OptionError(description: "--\(name) \(text): a bare number is milliseconds; write \(text)s or \(text)ms")
            }
            return value
        }
        throw OptionError(description: "--\(name) needs a duration such as 500ms, 5s or 2m, not '\(text)'")
    }

    /// true/false, yes/no, on/off, 1/0.
    static func boolean(_ text: String, _ name: String) throws(OptionError) -> Bool {
        switch text.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw OptionError(description: "--\(name) takes true or false, not '\(text)'")
        }
    }

    static func formatDuration(_ milliseconds: Int64) -> String {
        if milliseconds % 60_000 == 0 && milliseconds > 0 { return "\(milliseconds / 60_000)m" }
        if milliseconds % 1000 == 0 && milliseconds > 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }

    static func formatBytes(_ bytes: Int) -> String {
        if bytes % (1 << 20) == 0 && bytes > 0 { return "\(bytes >> 20)MiB" }
        if bytes % (1 << 10) == 0 && bytes > 0 { return "\(bytes >> 10)KiB" }
        return "\(bytes)"
    }
}
