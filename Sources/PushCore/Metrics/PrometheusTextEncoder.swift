/// Writes metric families in the Prometheus text exposition format, version 0.0.4.
public enum PrometheusTextEncoder {
    /// The Content-Type of a scrape answer.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The whole exposition of `families`, in order.
    public static func encode(_ families: [MetricFamily]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(families.count * 160)
        for family in families { append(family, into: &out) }
        return out
    }

    /// One family: `# HELP`, `# TYPE`, then its samples.
    public static func append(_ family: MetricFamily, into out: inout [UInt8]) {
        out.append(contentsOf: "# HELP ".utf8)
        out.append(contentsOf: family.name.utf8)
        out.append(UInt8(ascii: " "))
        appendEscaped(family.help, quotes: false, into: &out)
        out.append(contentsOf: "\n# TYPE ".utf8)
        out.append(contentsOf: family.name.utf8)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: family.type.rawValue.utf8)
        out.append(UInt8(ascii: "\n"))
        for sample in family.samples {
            out.append(contentsOf: family.name.utf8)
            out.append(contentsOf: sample.suffix.utf8)
            if !sample.labels.isEmpty {
                out.append(UInt8(ascii: "{"))
                for (index, label) in sample.labels.enumerated() {
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: label.name.utf8)
                    out.append(contentsOf: "=\"".utf8)
                    appendEscaped(label.value, quotes: true, into: &out)
                    out.append(UInt8(ascii: "\""))
                }
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: format(sample.value).utf8)
            out.append(UInt8(ascii: "\n"))
        }
    }

    /// A value as the format writes it: whole numbers without a fraction, `+Inf`, `-Inf`, `NaN`.
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// Backslash and newline are escaped everywhere; double quotes only in label values.
    private static func appendEscaped(_ text: String, quotes: Bool, into out: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case UInt8(ascii: "\n"): out.append(contentsOf: "\\n".utf8)
            case UInt8(ascii: "\"") where quotes: out.append(contentsOf: "\\\"".utf8)
            default: out.append(byte)
            }
        }
    }
}
