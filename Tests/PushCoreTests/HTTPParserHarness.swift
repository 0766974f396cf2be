import XCTest
@testable import PushCore

/// What a caller observes from the parser, with consecutive body slices merged.
enum HTTPParsedEvent: Equatable, CustomStringConvertible {
    case head(HTTPRequestHead)
    case body([UInt8])
    case end(HTTPHeaders)
    case error(HTTPParseError)

    var description: String {
        switch self {
        case .head(let h): "expectHead(\(h.method.name) \(h.target) 1.\(h.versionMinor) \(h.headers.map { "\($0.name)=\($0.value)" }) ka=\(h.keepAlive) \(h.body))"
        case .body(let b): "expectBody(\(String(decoding: b, as: UTF8.self).debugDescription))"
        case .end(let t): "end(\(t.map { "\($0.name)=\($0.value)" }))"
        case .error(let e): "error(\(e))"
        }
    }
}

/// Deterministic PRNG for chunkings.
struct HTTPTestRNG {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
}

/// Plays the event loop: keeps a buffer, appends chunks, drops consumed bytes, calls until `.needMore`.
struct HTTPParserFeeder {
    var parser: HTTPRequestParser
    var buffer: [UInt8] = []
    var events: [HTTPParsedEvent] = []
    var failed = false
    var bytesFed = 0
    /// Bytes fed when the error appeared.
    var errorAt: Int?
    var onHead: ((inout HTTPRequestParser, HTTPRequestHead) -> Void)?

    init(limits: HTTPLimits = .init(), onHead: ((inout HTTPRequestParser, HTTPRequestHead) -> Void)? = nil) {
        parser = HTTPRequestParser(limits: limits)
        self.onHead = onHead
    }

    mutating func feed(_ chunk: ArraySlice<UInt8>, file: StaticString = #filePath, line: UInt = #line) {
        guard !failed else { return }
        buffer.append(contentsOf: chunk)
        bytesFed += chunk.count
        for _ in 0..<1_000_000 {
            // An exact-size copy: reading past the caller's bytes would leave the allocation.
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count, alignment: 1)
            defer { copy.deallocate() }
            buffer.withUnsafeBytes { copy.copyMemory(from: $0) }
            let input = UnsafeRawBufferPointer(copy)
            let (event, consumed) = parser.parse(input)
            XCTAssert(consumed >= 0 && consumed <= buffer.count, "consumed out of range", file: file, line: line)
            switch event {
            case .needMore:
                buffer.removeFirst(consumed)
                // needMore means no progress is possible without new bytes.
                let again = buffer.withUnsafeBytes { parser.parse($0) }
                if case .needMore = again.event {} else { XCTFail("needMore then progress", file: file, line: line) }
                XCTAssertEqual(again.consumed, 0, file: file, line: line)
                return
            case .head:
                let head = parser.takeHead()
                events.append(.head(head))
                onHead?(&parser, head)
            case .body(let slice):
                if let base = slice.baseAddress, let start = input.baseAddress {
                    XCTAssert(base >= start && base + slice.count <= start + input.count, "body outside input",
                              file: file, line: line)
                }
                XCTAssertGreaterThan(slice.count, 0, "empty body event", file: file, line: line)
                if case .body(let previous) = events.last {
                    events[events.count - 1] = .body(previous + Array(slice))
                } else {
                    events.append(.body(Array(slice)))
                }
            case .end(let trailers):
                events.append(.end(trailers))
            case .error(let error):
                events.append(.error(error))
                failed = true
                errorAt = bytesFed
                return
            }
            buffer.removeFirst(consumed)
        }
        XCTFail("parser did not settle", file: file, line: line)
    }
}

/// Runs `input` cut into the given pieces; returns the events.
func runHTTPChunked(
    _ input: [UInt8], cuts: [Int], limits: HTTPLimits = .init(),
    onHead: ((inout HTTPRequestParser, HTTPRequestHead) -> Void)? = nil
) -> [HTTPParsedEvent] {
    var feeder = HTTPParserFeeder(limits: limits, onHead: onHead)
    var start = 0
    for cut in (cuts + [input.count]).map({ min($0, input.count) }) where cut >= start {
        feeder.feed(input[start..<cut])
        start = cut
    }
    return feeder.events
}

/// Feeds `input` one byte at a time; returns the events and how many bytes were fed when an error appeared.
func runHTTPBytewise(
    _ input: [UInt8], limits: HTTPLimits = .init(),
    onHead: ((inout HTTPRequestParser, HTTPRequestHead) -> Void)? = nil
) -> (events: [HTTPParsedEvent], errorAt: Int?) {
    var feeder = HTTPParserFeeder(limits: limits, onHead: onHead)
    for i in input.indices { feeder.feed(input[i...i]) }
    return (feeder.events, feeder.errorAt)
}

/// Asserts the events are `expected` when fed whole, at every two-piece split, byte by byte and
/// in 50 seeded random chunkings. Returns the number of chunkings checked.
@discardableResult
func assertHTTPEveryChunking(
    _ name: String, _ input: [UInt8], expected: [HTTPParsedEvent], limits: HTTPLimits = .init(), seed: UInt64 = 1,
    onHead: ((inout HTTPRequestParser, HTTPRequestHead) -> Void)? = nil,
    file: StaticString = #filePath, line: UInt = #line
) -> Int {
    let whole = runHTTPChunked(input, cuts: [], limits: limits, onHead: onHead)
    XCTAssertEqual(whole, expected, "\(name): whole input", file: file, line: line)
    var checked = 1
    for split in 0...input.count {
        let events = runHTTPChunked(input, cuts: [split], limits: limits, onHead: onHead)
        checked += 1
        if events != whole {
            XCTFail("\(name): split at \(split): \(events) vs \(whole)", file: file, line: line)
            return checked
        }
    }
    let bytewise = runHTTPBytewise(input, limits: limits, onHead: onHead).events
    checked += 1
    XCTAssertEqual(bytewise, whole, "\(name): byte by byte", file: file, line: line)
    var rng = HTTPTestRNG(state: seed ^ UInt64(truncatingIfNeeded: input.count &* 7919))
    for round in 0..<50 {
        var cuts: [Int] = []
        var position = 0
        let maxPiece = round % 2 == 0 ? 8 : max(2, input.count / 3)
        while position < input.count {
            position += 1 + rng.below(maxPiece)
            cuts.append(min(position, input.count))
        }
        let events = runHTTPChunked(input, cuts: cuts, limits: limits, onHead: onHead)
        checked += 1
        if events != whole {
            XCTFail("\(name): random chunking \(cuts): \(events) vs \(whole)", file: file, line: line)
            return checked
        }
    }
    return checked
}

/// The UTF-8 bytes of `text`.
func httpBytes(_ text: String) -> [UInt8] { Array(text.utf8) }
