@testable import PushCore
import TestSupport
import XCTest

final class WebSocketFrameDecoderTests: XCTestCase {
    typealias F = WSClientFrame

    struct Case {
        let name: String
        let stream: [UInt8]
        let expected: [WebSocketEvent]
        var decoder = WebSocketFrameDecoder()
    }

    private static let bytes = Array("Hello, wörld".utf8)

    /// Valid client streams and the events they must produce.
    static let validCorpus: [Case] = {
        var cases: [Case] = []
        cases.append(Case(name: "text", stream: F.text("Hello"), expected: [.text(Array("Hello".utf8))]))
        cases.append(Case(name: "binary", stream: F.binary([0, 1, 2, 255]), expected: [.binary([0, 1, 2, 255])]))
        cases.append(Case(name: "empty text", stream: F.text(""), expected: [.text([])]))
        for length in [0, 125, 126, 65535, 65536, 70000] {
            let payload = F.pattern(length)
            cases.append(Case(name: "binary \(length)", stream: F.binary(payload), expected: [.binary(payload)]))
        }
        // Multibyte text long enough to be cut inside characters by reads.
        let longText = Array(String(repeating: "aé€😀", count: 7000).utf8)
        cases.append(Case(name: "long text", stream: F.frame(opcode: 1, payload: longText), expected: [.text(longText)]))
        // Fragments with control frames between them; "ö" split across two fragments.
        let fragmented = F.text("Hel", fin: false) + F.ping(Array("p1".utf8))
            + F.continuation(Array("lo, w".utf8) + [0xC3], fin: false) + F.pong(Array("x".utf8))
            + F.continuation([0xB6] + Array("rld".utf8), fin: true)
        cases.append(Case(name: "fragmented text", stream: fragmented,
                          expected: [.ping(Array("p1".utf8)), .pong(Array("x".utf8)), .text(bytes)]))
        let fragmentedBinary = F.binary([], fin: false) + F.continuation([1, 2], fin: false)
            + F.continuation([], fin: false) + F.ping() + F.continuation(F.pattern(300), fin: true)
        cases.append(Case(name: "fragmented binary", stream: fragmentedBinary,
                          expected: [.ping([]), .binary([1, 2] + F.pattern(300))]))
        cases.append(Case(name: "ping 125", stream: F.ping(F.pattern(125)), expected: [.ping(F.pattern(125))]))
        cases.append(Case(name: "close without code", stream: F.close(), expected: [.close(code: nil, reason: [])]))
        cases.append(Case(name: "close with code", stream: F.close(code: 1000, reason: Array("bye".utf8)),
                          expected: [.close(code: 1000, reason: Array("bye".utf8))]))
        cases.append(Case(name: "close 4999", stream: F.close(code: 4999), expected: [.close(code: 4999, reason: [])]))
        // Anything after the close is ignored, even garbage.
        cases.append(Case(name: "after close", stream: F.close(code: 1001) + F.text("late") + [0xFF, 0xFF, 0x00],
                          expected: [.close(code: 1001, reason: [])]))
        // Non-minimal length forms are accepted.
        cases.append(Case(name: "16-bit form for 3", stream: F.frame(opcode: 1, payload: Array("abc".utf8), lengthForm: .sixteenBit),
                          expected: [.text(Array("abc".utf8))]))
        cases.append(Case(name: "64-bit form for 200", stream: F.frame(opcode: 2, payload: F.pattern(200), lengthForm: .sixtyFourBit),
                          expected: [.binary(F.pattern(200))]))
        cases.append(Case(name: "64-bit form for 0", stream: F.frame(opcode: 2, payload: [], lengthForm: .sixtyFourBit),
                          expected: [.binary([])]))
        cases.append(Case(name: "zero mask key", stream: F.frame(opcode: 1, payload: Array("zz".utf8), mask: [0, 0, 0, 0]),
                          expected: [.text(Array("zz".utf8))]))
        // Everything in one stream.
        let all = cases.filter { $0.name != "after close" && !$0.name.hasPrefix("close") }
        cases.append(Case(name: "concatenated", stream: all.flatMap(\.stream) + F.close(code: 1000),
                          expected: all.flatMap(\.expected) + [.close(code: 1000, reason: [])]))
        return cases
    }()

    /// One stream per protocol violation; each ends with a failure of the given code.
    static let failureCorpus: [(Case, WebSocketFailure)] = {
        var cases: [(Case, WebSocketFailure)] = []
        func add(_ name: String, _ stream: [UInt8], _ failure: WebSocketFailure, before: [WebSocketEvent] = [],
                 decoder: WebSocketFrameDecoder = WebSocketFrameDecoder()) {
            cases.append((Case(name: name, stream: stream, expected: before, decoder: decoder), failure))
        }
        add("unmasked", F.text("hi", mask: nil), .unmaskedClientFrame)
        add("unmasked after ping", F.ping([7]) + F.text("hi", mask: nil), .unmaskedClientFrame, before: [.ping([7])])
        for rsv: UInt8 in [1, 2, 4, 7] {
            add("rsv \(rsv)", F.frame(opcode: 1, payload: Array("x".utf8), rsv: rsv), .reservedBitsSet)
        }
        for opcode: UInt8 in [3, 4, 5, 6, 7, 11, 12, 13, 14, 15] {
            add("opcode \(opcode)", F.frame(opcode: opcode, payload: [1]), .reservedOpcode(opcode))
        }
        add("ping 126", F.ping(F.pattern(126)), .controlFrameTooLong)
        add("close 126", F.frame(opcode: 8, payload: [0x03, 0xE8] + F.pattern(124)), .controlFrameTooLong)
        add("pong 64-bit form", F.frame(opcode: 10, payload: [1], lengthForm: .sixtyFourBit), .controlFrameTooLong)
        add("fragmented ping", F.frame(opcode: 9, payload: [1], fin: false), .fragmentedControlFrame)
        add("fragmented close", F.frame(opcode: 8, payload: [], fin: false), .fragmentedControlFrame)
        add("continuation first", F.continuation([1], fin: true), .continuationWithoutMessage)
        add("continuation after end", F.text("a") + F.continuation([1], fin: true), .continuationWithoutMessage, before: [.text([0x61])])
        add("text during fragments", F.text("a", fin: false) + F.text("b"), .messageInterleaved)
        add("binary during fragments", F.binary([1], fin: false) + F.ping() + F.binary([2]), .messageInterleaved, before: [.ping([])])
        add("64-bit length top bit", F.header64(opcode: 2, length: 1 << 63), .lengthTopBitSet)
        add("64-bit length all ones", F.header64(opcode: 2, length: .max), .lengthTopBitSet)
        let small = WebSocketFrameDecoder(maxMessageBytes: 1000)
        add("frame over max", F.binary(F.pattern(1001)), .messageTooBig(limit: 1000), decoder: small)
        add("huge frame header", F.header64(opcode: 1, length: 1 << 40), .messageTooBig(limit: 1_000_000))
        add("message over max", F.binary(F.pattern(600), fin: false) + F.continuation(F.pattern(401), fin: true),
            .messageTooBig(limit: 1000), decoder: small)
        add("exactly max then more", F.binary(F.pattern(1000)) + F.binary(F.pattern(1001)), .messageTooBig(limit: 1000),
            before: [.binary(F.pattern(1000))], decoder: small)
        let fewFragments = WebSocketFrameDecoder(maxFragmentsPerMessage: 4)
        add("too many fragments", F.text("a", fin: false) + (0..<4).flatMap { _ in F.continuation([], fin: false) },
            .tooManyFragments(limit: 4), decoder: fewFragments)
        add("invalid utf-8", F.frame(opcode: 1, payload: [0x61, 0xFF, 0x62]), .invalidUTF8Text)
        add("surrogate", F.frame(opcode: 1, payload: [0xED, 0xA0, 0x80]), .invalidUTF8Text)
        // Past 8 bytes the payload is unmasked a word at a time, the last bytes in one overlapping step.
        add("invalid utf-8 in the last bytes", F.frame(opcode: 1, payload: Array("0123456789ab".utf8) + [0xC3, 0x28]),
            .invalidUTF8Text)
        add("invalid utf-8 in a whole word", F.frame(opcode: 1, payload: Array("01234567".utf8) + [0xFF] + Array("abcdefg".utf8)),
            .invalidUTF8Text)
        add("invalid utf-8 in first fragment", F.frame(opcode: 1, payload: [0x61, 0xC0, 0x80], fin: false)
            + F.ping([1]) + F.continuation(Array("rest".utf8), fin: true), .invalidUTF8Text)
        add("truncated utf-8 at end", F.frame(opcode: 1, payload: [0x61, 0xE2], fin: false)
            + F.continuation([0x82], fin: true), .invalidUTF8Text)
        add("truncated utf-8 single frame", F.frame(opcode: 1, payload: [0x61, 0xF0, 0x9F, 0x98]), .invalidUTF8Text)
        add("close one byte", F.frame(opcode: 8, payload: [0x03]), .closePayloadOfOneByte)
        for code: UInt16 in [0, 999, 1004, 1005, 1006, 1012, 1015, 1016, 2000, 2999, 5000, 65535] {
            add("close code \(code)", F.close(code: code), .closeCodeNotAllowed(code))
        }
        add("close reason not utf-8", F.close(code: 1000, reason: [0xC3, 0x28]), .invalidUTF8CloseReason)
        return cases
    }()

    // MARK: - Corpus under every chunking

    private func assertAllChunkings(_ testCase: Case, expect check: ([WebSocketEvent]) -> Void,
                                    file: StaticString = #filePath, line: UInt = #line) {
        let reference = WSFeed.whole(testCase.stream, testCase.decoder)
        check(reference.events)
        XCTAssertEqual(reference.maxLeftover, 0, "\(testCase.name): leftover after whole feed", file: file, line: line)
        // Read as `decode` alone, and as the transport reads: whole messages in place first.
        var outcomes: [(String, WSFeed.Outcome)] = []
        for inPlace in [false, true] {
            let mode = inPlace ? "in place, " : ""
            outcomes.append(("\(mode)whole", WSFeed.whole(testCase.stream, testCase.decoder, inPlace: inPlace)))
            outcomes.append(("\(mode)byte by byte", WSFeed.byteByByte(testCase.stream, testCase.decoder, inPlace: inPlace)))
            for point in WSFeed.splitPoints(testCase.stream.count) {
                outcomes.append(("\(mode)split \(point)", WSFeed.split(testCase.stream, at: point, testCase.decoder, inPlace: inPlace)))
            }
            for seed: UInt64 in 1...8 {
                outcomes.append(("\(mode)random \(seed)",
                                 WSFeed.randomChunks(testCase.stream, seed: seed, maxChunk: 1 << Int(seed), testCase.decoder, inPlace: inPlace)))
            }
        }
        for (how, outcome) in outcomes {
            XCTAssertEqual(outcome.events, reference.events, "\(testCase.name): \(how)", file: file, line: line)
            // Only a partial frame header (at most 14 bytes) is ever left to the caller.
            XCTAssertLessThan(outcome.maxLeftover, 14, "\(testCase.name): \(how)", file: file, line: line)
        }
    }

    func testValidCorpus() {
        for testCase in Self.validCorpus {
            assertAllChunkings(testCase) { events in
                XCTAssertEqual(events, testCase.expected, testCase.name)
            }
        }
    }

    func testFailureCorpus() {
        for (testCase, expected) in Self.failureCorpus {
            assertAllChunkings(testCase) { events in
                XCTAssertEqual(Array(events.dropLast()), testCase.expected, testCase.name)
                guard case .failure(let failure)? = events.last else {
                    return XCTFail("\(testCase.name): no failure, got \(events)")
                }
                XCTAssertEqual(failure, expected, testCase.name)
            }
        }
    }

    // MARK: - Specific behaviour

    private func decode(_ decoder: inout WebSocketFrameDecoder, _ bytes: [UInt8]) -> (event: WebSocketEvent, consumed: Int) {
        bytes.withUnsafeBytes { decoder.decode($0) }
    }

    func testEmptyInputNeedsMore() {
        var decoder = WebSocketFrameDecoder()
        let result = decode(&decoder, [])
        XCTAssertEqual(result.event, .needMore)
        XCTAssertEqual(result.consumed, 0)
    }

    func testPartialHeaderIsNotConsumed() {
        var decoder = WebSocketFrameDecoder()
        let frame = F.binary(F.pattern(300))
        for length in 0..<8 {  // 2 + 2 length + 4 mask = 8 header bytes
            let result = decode(&decoder, Array(frame[..<length]))
            XCTAssertEqual(result.event, .needMore)
            XCTAssertEqual(result.consumed, 0, "header prefix \(length)")
        }
        // Header plus part of the payload: all taken, payload buffered inside the decoder.
        let partial = decode(&decoder, Array(frame[..<100]))
        XCTAssertEqual(partial.event, .needMore)
        XCTAssertEqual(partial.consumed, 100)
        let rest = decode(&decoder, Array(frame[100...]))
        XCTAssertEqual(rest.event, .binary(F.pattern(300)))
        XCTAssertEqual(rest.consumed, frame.count - 100)
    }

    func testEventReportsConsumedUpToFrameEnd() {
        var decoder = WebSocketFrameDecoder()
        let first = F.text("one")
        let stream = first + F.text("two")
        let result = decode(&decoder, stream)
        XCTAssertEqual(result.event, .text(Array("one".utf8)))
        XCTAssertEqual(result.consumed, first.count)
    }

    func testAHandedBackArrayHoldsTheNextMessage() {
        var decoder = WebSocketFrameDecoder()
        var spare: [UInt8] = []
        let first = F.text("first message")
        guard case .text(let one) = first.withUnsafeBytes({ decoder.decode($0, reusing: &spare) }).event else {
            return XCTFail("no text")
        }
        let storage = one.withUnsafeBufferPointer { $0.baseAddress }
        spare = consume one
        let second = F.text("second")
        guard case .text(let two) = second.withUnsafeBytes({ decoder.decode($0, reusing: &spare) }).event else {
            return XCTFail("no text")
        }
        XCTAssertEqual(two, Array("second".utf8))
        XCTAssertEqual(two.withUnsafeBufferPointer { $0.baseAddress }, storage, "the spare's storage was not reused")
        XCTAssertTrue(spare.isEmpty, "the spare was taken")
    }

    func testAHandedBackArrayOfAnySizeHoldsTheNextMessageWhole() {
        // Shorter, a little longer (grown in place) and much longer (copied anew) than the
        // array handed back, masked and not.
        let sizes = [40, 12, 13, 20, 0, 1, 300, 299, 5000, 7]
        for requireMask in [true, false] {
            var decoder = WebSocketFrameDecoder(requireMask: requireMask)
            var spare: [UInt8] = []
            for (round, size) in sizes.enumerated() {
                let payload = (0..<size).map { UInt8(truncatingIfNeeded: ($0 * 7 + round) % 95 + 32) }
                let wire = F.frame(opcode: 2, payload: payload, mask: requireMask ? F.defaultMask : nil)
                guard case .binary(let bytes) = wire.withUnsafeBytes({ decoder.decode($0, reusing: &spare) }).event else {
                    return XCTFail("no message of \(size) bytes (mask: \(requireMask))")
                }
                XCTAssertEqual(bytes, payload, "\(size) bytes after \(round > 0 ? sizes[round - 1] : 0) (mask: \(requireMask))")
                spare = consume bytes
            }
        }
    }

    func testAnArrayStillHeldElsewhereIsNotOverwritten() {
        var decoder = WebSocketFrameDecoder()
        var spare: [UInt8] = []
        guard case .text(let kept) = F.text("kept by the application").withUnsafeBytes({ decoder.decode($0, reusing: &spare) }).event else {
            return XCTFail("no text")
        }
        spare = kept
        // Fragmented and single-frame messages both leave the held array alone.
        let stream = F.text("next") + F.frame(opcode: 1, payload: Array("frag".utf8), fin: false)
            + F.frame(opcode: 0, payload: Array("ment".utf8))
        var events: [WebSocketEvent] = []
        var offset = 0
        stream.withUnsafeBytes { all in
            while offset < all.count {
                let (event, used) = decoder.decode(UnsafeRawBufferPointer(rebasing: all[offset...]), reusing: &spare)
                offset += used
                if event != .needMore { events.append(event) }
            }
        }
        XCTAssertEqual(events, [.text(Array("next".utf8)), .text(Array("fragment".utf8))])
        XCTAssertEqual(kept, Array("kept by the application".utf8))
    }

    /// The transport's path: a whole message is unmasked in the caller's bytes and handed out
    /// from there.
    func testAWholeMessageIsUnmaskedWhereItLies() {
        var decoder = WebSocketFrameDecoder()
        var input = F.text("hello") + F.text("next")
        input.withUnsafeMutableBytes { buffer in
            guard let message = decoder.takeWholeMessage(buffer) else { return XCTFail("not taken") }
            XCTAssertTrue(message.isText)
            XCTAssertEqual(message.consumed, 11)
            XCTAssertEqual(message.payload.baseAddress, UnsafeRawPointer(buffer.baseAddress! + 6))
            XCTAssertEqual(Array(message.payload), Array("hello".utf8))
        }
        XCTAssertEqual(Array(input[6..<11]), Array("hello".utf8))
        XCTAssertEqual(Array(input[11...]), F.text("next"), "bytes past the message were changed")
    }

    /// Anything but a whole masked text or binary frame with a short length, and no message
    /// open, is left for `decode`, its bytes untouched.
    func testOnlyWholeShortMessagesAreTakenInPlace() {
        let whole = F.text("hello")
        let cases: [(String, [UInt8], WebSocketFrameDecoder)] = [
            ("a frame without its last byte", Array(whole.dropLast()), WebSocketFrameDecoder()),
            ("a 64-bit length", F.frame(opcode: 2, payload: F.pattern(200), lengthForm: .sixtyFourBit), WebSocketFrameDecoder()),
            ("a ping", F.ping([1, 2]), WebSocketFrameDecoder()),
            ("a first fragment", F.text("hel", fin: false), WebSocketFrameDecoder()),
            ("an unmasked frame", F.text("hello", mask: nil), WebSocketFrameDecoder(requireMask: false)),
            ("over the limit", whole, WebSocketFrameDecoder(maxMessageBytes: 4)),
        ]
        for (name, bytes, decoder) in cases {
            var decoder = decoder
            var input = bytes
            input.withUnsafeMutableBytes { XCTAssertNil(decoder.takeWholeMessage($0), name) }
            XCTAssertEqual(input, bytes, "\(name): bytes changed")
        }
        // While a fragmented message is open, even a whole frame waits for `decode`.
        var decoder = WebSocketFrameDecoder()
        _ = decode(&decoder, F.text("hel", fin: false))
        var input = F.continuation(Array("lo".utf8), fin: true)
        let before = input
        input.withUnsafeMutableBytes { XCTAssertNil(decoder.takeWholeMessage($0)) }
        XCTAssertEqual(input, before)
        XCTAssertEqual(decode(&decoder, input).event, .text(Array("hello".utf8)))
    }

    func testOversizeFailsFromHeaderAlone() {
        var decoder = WebSocketFrameDecoder(maxMessageBytes: 1000)
        // 16-bit length 1001, no mask key and no payload yet: the length is enough to refuse.
        let result = decode(&decoder, [0x82, 0x80 | 126, 0x03, 0xE9])
        XCTAssertEqual(result.event.closeCode, .messageTooBig)
        var big = WebSocketFrameDecoder()
        XCTAssertEqual(decode(&big, Array(F.header64(opcode: 2, length: 1 << 32)[..<10])).event.closeCode, .messageTooBig)
    }

    func testTwoByteChecksFailBeforeRestOfHeader() {
        let twoByteFailures: [[UInt8]] = [
            [0x81, 0x05],        // unmasked
            [0xC1, 0x85],        // RSV1
            [0x83, 0x85],        // opcode 3
            [0x89, 0x80 | 126],  // ping over 125
            [0x09, 0x80],        // fragmented ping
            [0x80, 0x80],        // continuation with no message
        ]
        for bytes in twoByteFailures {
            var decoder = WebSocketFrameDecoder()
            XCTAssertEqual(decode(&decoder, bytes).event.closeCode, .protocolError, "\(bytes)")
        }
    }

    func testFailureIsSticky() {
        var decoder = WebSocketFrameDecoder()
        let first = decode(&decoder, F.text("x", mask: nil))
        guard case .failure(let failure) = first.event else { return XCTFail("expected failure") }
        XCTAssertEqual(failure, .unmaskedClientFrame)
        XCTAssertEqual(failure.closeCode, .protocolError)
        let again = decode(&decoder, F.text("valid"))
        XCTAssertEqual(again.event, .failure(failure))
        XCTAssertEqual(again.consumed, F.text("valid").count)
    }

    func testFragmentedUTF8FailsBeforeMessageEnds() {
        // The bad byte arrives in the first fragment; the failure must not wait for FIN.
        var decoder = WebSocketFrameDecoder()
        let result = decode(&decoder, F.frame(opcode: 1, payload: Array("ok".utf8) + [0xED, 0xA0], fin: false))
        XCTAssertEqual(result.event.closeCode, .invalidPayload)
        // Also mid-frame: the surrogate's first bytes arrive before the frame is complete.
        var streaming = WebSocketFrameDecoder()
        let frame = F.frame(opcode: 1, payload: Array("ok".utf8) + [0xED, 0xA0, 0x80] + F.pattern(100).map { $0 & 0x7F })
        XCTAssertEqual(decode(&streaming, Array(frame[..<12])).event.closeCode, .invalidPayload)
    }

    func testUnmaskedAcceptedWhenMaskNotRequired() {
        var decoder = WebSocketFrameDecoder(requireMask: false)
        XCTAssertEqual(decode(&decoder, F.text("plain", mask: nil)).event, .text(Array("plain".utf8)))
        XCTAssertEqual(decode(&decoder, F.text("masked")).event, .text(Array("masked".utf8)))
    }

    func testMaxFragmentsAllowsExactLimit() {
        var decoder = WebSocketFrameDecoder(maxFragmentsPerMessage: 3)
        let stream = F.text("a", fin: false) + F.continuation([0x62], fin: false) + F.continuation([0x63], fin: true)
        XCTAssertEqual(decode(&decoder, stream).event, .text(Array("abc".utf8)))
    }

    func testMessageOfExactlyMaxBytesAcrossFragments() {
        var decoder = WebSocketFrameDecoder(maxMessageBytes: 10)
        let stream = F.binary(F.pattern(4), fin: false) + F.continuation(Array(F.pattern(10)[4...]), fin: true)
        XCTAssertEqual(decode(&decoder, stream).event, .binary(F.pattern(10)))
    }

    func testDecoderReusableAfterMessages() {
        // Fragment state resets after each message, including the fragment count.
        let decoder = WebSocketFrameDecoder(maxFragmentsPerMessage: 2)
        var stream: [UInt8] = []
        for _ in 0..<5 { stream += F.text("a", fin: false) + F.continuation([0x62], fin: true) }
        let outcome = WSFeed.whole(stream, decoder)
        XCTAssertEqual(outcome.events, Array(repeating: .text(Array("ab".utf8)), count: 5))
    }

    func testUnmaskAtEveryPhaseAndLength() {
        // Exercises the 8-byte path and the byte tail at every mask phase.
        for length in 0..<40 {
            let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let stream = F.frame(opcode: 2, payload: payload, mask: [0x01, 0x80, 0xFE, 0x7F])
            for point in 0...stream.count {
                XCTAssertEqual(WSFeed.split(stream, at: point, WebSocketFrameDecoder()).events, [.binary(payload)], "len \(length) split \(point)")
            }
        }
    }
}

extension WebSocketEvent {
    /// The close code of a failure, for short assertions.
    var closeCode: WebSocketCloseCode? {
        if case .failure(let failure) = self { return failure.closeCode }
        return nil
    }
}
