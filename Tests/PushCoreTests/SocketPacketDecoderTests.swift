import XCTest
@testable import PushCore

final class SocketPacketDecoderTests: XCTestCase {
    /// Feeds a text message and its attachments; returns every result in order.
    private func feed(_ decoder: inout SocketPacketDecoder, _ text: String, _ attachments: [[UInt8]] = []) -> [SocketDecodeResult] {
        var results = [decoder.receive(text: Array(text.utf8))]
        for attachment in attachments { results.append(decoder.receive(binary: attachment)) }
        return results
    }

    private func decode(_ text: String, _ attachments: [[UInt8]] = [], decoder: SocketPacketDecoder = SocketPacketDecoder()) -> SocketDecodeResult {
        var decoder = decoder
        return feed(&decoder, text, attachments).last ?? .needAttachments
    }

    func testProtocolExamples() {
        var decoder = SocketPacketDecoder()
        for example in socketWireExamples {
            let results = feed(&decoder, example.text, example.attachments)
            XCTAssertEqual(results.last, .packet(example.packet), example.text)
            XCTAssertEqual(Array(results.dropLast()), Array(repeating: .needAttachments, count: example.attachments.count), example.text)
            XCTAssertFalse(decoder.isAwaitingAttachments)
        }
    }

    func testEncodeDecodeRoundTrip() {
        var decoder = SocketPacketDecoder()
        for example in socketWireExamples {
            let (text, attachments) = SocketPacketEncoder.encode(example.packet)
            var results = [decoder.receive(text: text)]
            for attachment in attachments { results.append(decoder.receive(binary: attachment)) }
            XCTAssertEqual(results.last, .packet(example.packet), example.text)
        }
    }

    func testOtherAcceptedForms() {
        // Namespace without a trailing comma, as the test suite's "40/random" sends.
        XCTAssertEqual(decode("0/random"), .packet(SocketPacket(type: .connect, namespace: "/random")))
        XCTAssertEqual(decode("0/,{}"), .packet(SocketPacket(type: .connect, data: [:])))
        XCTAssertEqual(decode("4\"refused\""), .packet(SocketPacket(type: .connectError, data: "refused")))
        XCTAssertEqual(decode("4"), .packet(SocketPacket(type: .connectError)))
        XCTAssertEqual(decode(#"2007["x"]"#), .packet(SocketPacket(type: .event, data: ["x"], ackId: 7)))
        XCTAssertEqual(decode(#"2 ["x" , 1 ] "#), .packet(SocketPacket(type: .event, data: ["x", 1])))
        XCTAssertEqual(decode(#"2/ns/é,["x"]"#), .packet(SocketPacket(type: .event, namespace: "/ns/é", data: ["x"])))
        XCTAssertEqual(decode(#"218446744073709551615["x"]"#), .packet(SocketPacket(type: .event, data: ["x"], ackId: .max)))
        // A binary packet may announce zero attachments.
        XCTAssertEqual(decode(#"50-["x"]"#), .packet(SocketPacket(type: .binaryEvent, data: ["x"])))
        XCTAssertEqual(decode(#"6000-3[]"#), .packet(SocketPacket(type: .binaryAck, data: [], ackId: 3)))
    }

    func testAttachmentReassembly() {
        var decoder = SocketPacketDecoder()
        let text = #"53-/chat,9["file",{"name":"a","parts":[{"_placeholder":true,"num":2},{"_placeholder":true,"num":0}]},{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]"#
        XCTAssertEqual(decoder.receive(text: Array(text.utf8)), .needAttachments)
        XCTAssertTrue(decoder.isAwaitingAttachments)
        XCTAssertEqual(decoder.receive(binary: [0]), .needAttachments)
        XCTAssertEqual(decoder.receive(binary: []), .needAttachments)
        let expected: JSONValue = ["file", ["name": "a", "parts": [.binary([2, 2]), .binary([0])]], .binary([]), .binary([0])]
        XCTAssertEqual(decoder.receive(binary: [2, 2]), .packet(SocketPacket(type: .binaryEvent, namespace: "/chat", data: expected, ackId: 9)))
        XCTAssertFalse(decoder.isAwaitingAttachments)
        // Ready for the next packet.
        XCTAssertEqual(decoder.receive(text: Array(#"2["next"]"#.utf8)), .packet(SocketPacket(type: .event, data: ["next"])))
    }

    func testPlaceholdersOnlyCountInBinaryPackets() {
        let placeholder: JSONValue = ["_placeholder": true, "num": 0]
        XCTAssertEqual(decode(#"2["x",{"_placeholder":true,"num":0}]"#), .packet(SocketPacket(type: .event, data: ["x", placeholder])))
        XCTAssertEqual(decode(#"0{"_placeholder":true,"num":0}"#), .packet(SocketPacket(type: .connect, data: placeholder)))
        // Not a placeholder unless "_placeholder" is exactly true.
        let lookalike: JSONValue = ["_placeholder": 1, "num": 0]
        XCTAssertEqual(decode(#"51-["x",{"_placeholder":1,"num":0},{"_placeholder":true,"num":0}]"#, [[5]]),
                       .packet(SocketPacket(type: .binaryEvent, data: ["x", lookalike, .binary([5])])))
    }

    func testErrors() {
        let cases: [(String, [[UInt8]], SocketDecodeError)] = [
            ("", [], .empty),
            ("7", [], .unknownType),
            ("abc", [], .unknownType),
            ("/admin,", [], .unknownType),
            (#"5-["x"]"#, [], .badAttachmentCount),
            (#"51["x"]"#, [], .badAttachmentCount),
            ("5", [], .badAttachmentCount),
            ("51", [], .badAttachmentCount),
            (#"5x-["x"]"#, [], .badAttachmentCount),
            (#"511-["x"]"#, [], .tooManyAttachments),
            (#"51000000-["x"]"#, [], .tooManyAttachments),
            (#"5999999999999999999999999999-["x"]"#, [], .tooManyAttachments),
            (#"218446744073709551616["x"]"#, [], .badAckId),
            (#"3["x"]"#, [], .badAckId),
            (#"3/admin,[]"#, [], .badAckId),
            (#"61-[{"_placeholder":true,"num":0}]"#, [], .badAckId),
            ("01{}", [], .badAckId),
            ("15", [], .badAckId),
            (#"47{"message":"x"}"#, [], .badAckId),
            (#"2["x""#, [], .invalidJSON(.unexpectedEnd(offset: 5))),
            (#"2abc["message-with-ack",1,"2",{"3":[false]}]"#, [], .invalidJSON(.unexpectedByte(offset: 1))),
            (#"2/admin,["x",]"#, [], .invalidJSON(.unexpectedByte(offset: 13))),
            (#"2["\uD800"]"#, [], .invalidJSON(.invalidString(offset: 3))),
            ("2{}", [], .invalidPayload),
            ("2[]", [], .invalidPayload),
            ("2[1]", [], .invalidPayload),
            (#"2"x""#, [], .invalidPayload),
            ("2", [], .invalidPayload),
            ("21", [], .invalidPayload),
            ("0[]", [], .invalidPayload),
            (#"0"x""#, [], .invalidPayload),
            ("0null", [], .invalidPayload),
            ("1{}", [], .invalidPayload),
            ("4[]", [], .invalidPayload),
            ("4null", [], .invalidPayload),
            ("31", [], .invalidPayload),
            (#"31{}"#, [], .invalidPayload),
            (#"2["disconnect"]"#, [], .reservedEventName),
            (#"2["connect",1]"#, [], .reservedEventName),
            (#"51-["newListener",{"_placeholder":true,"num":0}]"#, [], .reservedEventName),
            (#"50-["x",{"_placeholder":true,"num":0}]"#, [], .placeholderOutOfRange),
            (#"51-["x",{"_placeholder":true,"num":1}]"#, [[1]], .placeholderOutOfRange),
            (#"51-["x",{"_placeholder":true,"num":-1}]"#, [[1]], .placeholderOutOfRange),
            (#"51-["x",{"_placeholder":true,"num":0.5}]"#, [[1]], .placeholderOutOfRange),
            (#"51-["x",{"_placeholder":true,"num":"0"}]"#, [[1]], .placeholderOutOfRange),
            (#"51-["x",{"_placeholder":true}]"#, [[1]], .placeholderOutOfRange),
            (#"51-["x",{"_placeholder":true,"num":1e300}]"#, [[1]], .placeholderOutOfRange),
        ]
        for (text, attachments, expected) in cases {
            XCTAssertEqual(decode(text, attachments), .error(expected), text)
        }
    }

    func testEveryReservedNameIsRefusedAndNamesThatOnlyShareItsLengthAreNot() {
        for name in SocketPacketDecoder.reservedEventNames {
            XCTAssertEqual(decode(#"2[""# + name + #""]"#), .error(.reservedEventName), name)
            let near = String(name.dropLast()) + "_"
            XCTAssertEqual(decode(#"2[""# + near + #""]"#), .packet(SocketPacket(type: .event, data: [.string(near)])), near)
        }
    }

    func testBadNamespaceBytes() {
        var decoder = SocketPacketDecoder()
        XCTAssertEqual(decoder.receive(text: [0x32, 0x2F, 0xFF, 0x2C] + Array(#"["x"]"#.utf8)), .error(.badNamespace))
        XCTAssertEqual(decoder.receive(text: [0x30, 0x2F, 0xED, 0xA0, 0x80]), .error(.badNamespace))
    }

    func testDepthLimit() {
        let deep = "2[\"x\"," + String(repeating: "[", count: 31) + String(repeating: "]", count: 32)
        XCTAssertEqual(decode(deep), .packet(SocketPacket(type: .event, data: try? JSONParser.parse(deep.dropFirst()))))
        let tooDeep = "2[\"x\"," + String(repeating: "[", count: 32) + String(repeating: "]", count: 33)
        XCTAssertEqual(decode(tooDeep), .error(.invalidJSON(.tooDeep(offset: 37))))
        XCTAssertEqual(decode("2[\"x\",[[1]]]", decoder: SocketPacketDecoder(maxDepth: 2)), .error(.invalidJSON(.tooDeep(offset: 7))))
    }

    func testHugeAttachmentClaimIsRefusedAtOnce() {
        var decoder = SocketPacketDecoder()
        XCTAssertEqual(decoder.receive(text: Array(#"51000000-["x",{"_placeholder":true,"num":999999}]"#.utf8)), .error(.tooManyAttachments))
        XCTAssertFalse(decoder.isAwaitingAttachments)
        XCTAssertEqual(decoder.receive(binary: [1]), .error(.unexpectedBinary))
        // The limit is a parameter.
        var roomy = SocketPacketDecoder(maxAttachments: 1_000)
        XCTAssertEqual(roomy.receive(text: Array(#"51000-["x"]"#.utf8)), .needAttachments)
        XCTAssertEqual(decode(#"51001-["x"]"#, decoder: SocketPacketDecoder(maxAttachments: 1_000)), .error(.tooManyAttachments))
        XCTAssertEqual(decode(#"51-["x"]"#, decoder: SocketPacketDecoder(maxAttachments: 0)), .error(.tooManyAttachments))
    }

    func testMessagesOutOfOrder() {
        var decoder = SocketPacketDecoder()
        XCTAssertEqual(decoder.receive(binary: [1, 2]), .error(.unexpectedBinary))
        XCTAssertEqual(decoder.receive(text: Array(#"52-["x",{"_placeholder":true,"num":0}]"#.utf8)), .needAttachments)
        XCTAssertEqual(decoder.receive(binary: [1]), .needAttachments)
        XCTAssertEqual(decoder.receive(text: Array(#"2["y"]"#.utf8)), .error(.unexpectedText))
        // The half-built packet is gone: the decoder starts afresh.
        XCTAssertFalse(decoder.isAwaitingAttachments)
        XCTAssertEqual(decoder.receive(binary: [2]), .error(.unexpectedBinary))
        XCTAssertEqual(decoder.receive(text: Array(#"2["y"]"#.utf8)), .packet(SocketPacket(type: .event, data: ["y"])))
        XCTAssertEqual(decoder.receive(text: Array(#"51-["x",{"_placeholder":true,"num":0}]"#.utf8)), .needAttachments)
        decoder.reset()
        XCTAssertEqual(decoder.receive(binary: [2]), .error(.unexpectedBinary))
    }

    func testDecoderSurvivesErrors() {
        var decoder = SocketPacketDecoder()
        XCTAssertEqual(decoder.receive(text: Array("2{}".utf8)), .error(.invalidPayload))
        XCTAssertEqual(decoder.receive(text: Array(#"51-["x",{"_placeholder":true,"num":3}]"#.utf8)), .needAttachments)
        XCTAssertEqual(decoder.receive(binary: [1]), .error(.placeholderOutOfRange))
        XCTAssertEqual(decoder.receive(text: Array(#"2["ok"]"#.utf8)), .packet(SocketPacket(type: .event, data: ["ok"])))
    }

    func testUnsafeBufferEntryPoint() {
        var decoder = SocketPacketDecoder()
        let bytes = Array(#"xx2/a,["e"]yy"#.utf8)
        let result = bytes.withUnsafeBytes { decoder.receive(text: UnsafeRawBufferPointer(rebasing: $0[2..<(bytes.count - 2)])) }
        XCTAssertEqual(result, .packet(SocketPacket(type: .event, namespace: "/a", data: ["e"])))
    }

    /// Random mutations of the examples never crash, and whatever decodes re-encodes to
    /// something that decodes to the same packet.
    func testRandomMutationsNeverCrash() {
        var random = JSONTestRandom(seed: 0x50C4E7)
        let alphabet = Array(#"0123456789-/,[]{}":_placeholdernumtrue "#.utf8) + [0x80, 0xFF]
        for _ in 0..<5_000 {
            let example = socketWireExamples[Int(random.next() % UInt64(socketWireExamples.count))]
            var text = Array(example.text.utf8)
            for _ in 0...Int(random.next() % 3) where !text.isEmpty {
                let position = Int(random.next() % UInt64(text.count))
                let byte = alphabet[Int(random.next() % UInt64(alphabet.count))]
                if random.next() % 2 == 0 { text[position] = byte } else { text.insert(byte, at: position) }
            }
            var decoder = SocketPacketDecoder()
            var result = decoder.receive(text: text)
            var fed = 0
            while result == .needAttachments && fed < 12 {
                result = decoder.receive(binary: [UInt8(fed)])
                fed += 1
            }
            guard case .packet(var packet) = result else { continue }
            let encoded = SocketPacketEncoder.encode(packet)
            var again = SocketPacketDecoder(maxAttachments: 100)
            var second = again.receive(text: encoded.text)
            for attachment in encoded.attachments { second = again.receive(binary: attachment) }
            // A binary packet whose placeholders were all mangled is re-sent as a plain one.
            if encoded.attachments.isEmpty && packet.type == .binaryEvent { packet.type = .event }
            if encoded.attachments.isEmpty && packet.type == .binaryAck { packet.type = .ack }
            XCTAssertEqual(second, .packet(packet), String(decoding: text, as: UTF8.self))
        }
    }
}
