/// Writes a Double exactly as JavaScript's `Number.prototype.toString` (and so `JSON.stringify`)
/// does: integers below 1e21 in plain digits, otherwise the shortest round-trip digits, using
/// exponent form ("1e+21", "1.5e-7") outside [1e-6, 1e21). NaN and ±Infinity become `null`, as
/// `JSON.stringify` writes them; -0 becomes "0".
enum JSNumberFormat {
    /// 2^53: integers below it are exact, so they are printed without a detour through text.
    private static let exactIntegerLimit = 9_007_199_254_740_992.0

    static func append(_ value: Double, to output: inout [UInt8]) {
        guard value.isFinite else {
            output.append(contentsOf: "null".utf8)
            return
        }
        if value.magnitude < exactIntegerLimit && value == value.rounded(.towardZero) {
            appendInteger(Int64(value), to: &output)
            return
        }
        // Swift's description gives the shortest digits that round-trip (closest on ties), the
        // same digit string ECMAScript asks for; only the layout differs, so re-lay it out.
        var text = value.description
        text.withUTF8 { appendJavaScriptLayout(of: $0, to: &output) }
    }

    static func appendInteger(_ value: Int64, to output: inout [UInt8]) {
        if value < 0 { output.append(UInt8(ascii: "-")) }
        appendUnsigned(value.magnitude, to: &output)
    }

    static func appendUnsigned(_ value: UInt64, to output: inout [UInt8]) {
        // Filled from the end of a stack buffer, then appended at once: writing into the array
        // digit by digit checked its bounds and uniqueness for each.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var rest = value
            var start = digits.count
            repeat {
                start &-= 1
                digits[start] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0
            output.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// Re-lays a Swift description ("-1.2345e+20", "0.001", "5e-324") in ECMAScript's layout.
    private static func appendJavaScriptLayout(of text: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        var digits: [UInt8] = []
        digits.reserveCapacity(24)
        var negative = false
        var integerDigits: Int? = nil
        var exponent = 0
        var exponentNegative = false
        var inExponent = false
        for byte in text {
            switch byte {
            case UInt8(ascii: "-"):
                if inExponent { exponentNegative = true } else { negative = true }
            case UInt8(ascii: "."):
                integerDigits = digits.count
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                inExponent = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = byte &- UInt8(ascii: "0")
                if inExponent { exponent = exponent &* 10 &+ Int(digit) } else { digits.append(digit) }
            default:
                break
            }
        }
        if exponentNegative { exponent = -exponent }
        // n: where the decimal point sits relative to the first significant digit (ECMAScript's n).
        var pointPosition = (integerDigits ?? digits.count) &+ exponent
        var first = 0
        while first < digits.count - 1 && digits[first] == 0 {
            first += 1
            pointPosition -= 1
        }
        var end = digits.count
        while end > first + 1 && digits[end - 1] == 0 { end -= 1 }
        let significant = digits[first..<end]
        let count = significant.count

        func appendDigits(_ slice: ArraySlice<UInt8>) {
            for digit in slice { output.append(UInt8(ascii: "0") &+ digit) }
        }
        if negative { output.append(UInt8(ascii: "-")) }
        if count <= pointPosition && pointPosition <= 21 {
            appendDigits(significant)
            output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: pointPosition - count))
        } else if 0 < pointPosition && pointPosition <= 21 {
            appendDigits(significant.prefix(pointPosition))
            output.append(UInt8(ascii: "."))
            appendDigits(significant.dropFirst(pointPosition))
        } else if -6 < pointPosition && pointPosition <= 0 {
            output.append(contentsOf: "0.".utf8)
            output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -pointPosition))
            appendDigits(significant)
        } else {
            appendDigits(significant.prefix(1))
            if count > 1 {
                output.append(UInt8(ascii: "."))
                appendDigits(significant.dropFirst())
            }
            let shown = pointPosition - 1
            output.append(UInt8(ascii: "e"))
            output.append(UInt8(ascii: shown < 0 ? "-" : "+"))
            appendUnsigned(UInt64(shown.magnitude), to: &output)
        }
    }
}
