import XCTest
@testable import PushCore

/// A packet with its wire form: the text message and the attachments after it.
struct SocketWireExample {
    var packet: SocketPacket
    var text: String
    var attachments: [[UInt8]] = []
}

/// Every example of the protocol document (packet encoding, exchange examples, sample session)
/// and of its test suite, with the Engine.IO "4" prefix removed.
let socketWireExamples: [SocketWireExample] = [
    // Packet encoding: connection to a namespace.
    SocketWireExample(packet: SocketPacket(type: .connect), text: "0"),
    SocketWireExample(packet: SocketPacket(type: .connect, namespace: "/admin", data: ["sid": "oSO0OpakMV_3jnilAAAA"]),
                text: #"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#),
    SocketWireExample(packet: SocketPacket(type: .connectError, data: ["message": "Not authorized"]),
                text: #"4{"message":"Not authorized"}"#),
    // Sending and receiving data.
    SocketWireExample(packet: SocketPacket(type: .event, data: ["foo"]), text: #"2["foo"]"#),
    SocketWireExample(packet: SocketPacket(type: .event, namespace: "/admin", data: ["bar"]), text: #"2/admin,["bar"]"#),
    SocketWireExample(packet: SocketPacket(type: .binaryEvent, data: ["baz", .binary([1, 2, 3, 4])]),
                text: #"51-["baz",{"_placeholder":true,"num":0}]"#, attachments: [[1, 2, 3, 4]]),
    SocketWireExample(packet: SocketPacket(type: .binaryEvent, namespace: "/admin", data: ["baz", .binary([1, 2]), .binary([3, 4])]),
                text: #"52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
                attachments: [[1, 2], [3, 4]]),
    // Acknowledgement.
    SocketWireExample(packet: SocketPacket(type: .event, data: ["foo"], ackId: 12), text: #"212["foo"]"#),
    SocketWireExample(packet: SocketPacket(type: .ack, namespace: "/admin", data: ["bar"], ackId: 13), text: #"3/admin,13["bar"]"#),
    SocketWireExample(packet: SocketPacket(type: .binaryAck, data: ["bar", .binary([1, 2, 3, 4])], ackId: 15),
                text: #"61-15["bar",{"_placeholder":true,"num":0}]"#, attachments: [[1, 2, 3, 4]]),
    // Disconnection.
    SocketWireExample(packet: SocketPacket(type: .disconnect), text: "1"),
    SocketWireExample(packet: SocketPacket(type: .disconnect, namespace: "/admin"), text: "1/admin,"),
    // Exchange protocol examples.
    SocketWireExample(packet: SocketPacket(type: .connect, data: ["sid": "wZX3oN0bSVIhsaknAAAI"]), text: #"0{"sid":"wZX3oN0bSVIhsaknAAAI"}"#),
    SocketWireExample(packet: SocketPacket(type: .connect, namespace: "/admin"), text: "0/admin,"),
    SocketWireExample(packet: SocketPacket(type: .connect, namespace: "/admin", data: ["token": "123"]), text: #"0/admin,{"token":"123"}"#),
    SocketWireExample(packet: SocketPacket(type: .ack, data: [], ackId: 12), text: "312[]"),
    SocketWireExample(packet: SocketPacket(type: .event, namespace: "/admin", data: ["foo"], ackId: 13), text: #"2/admin,13["foo"]"#),
    SocketWireExample(packet: SocketPacket(type: .binaryEvent, data: ["foo", .binary([1, 2, 3, 4])], ackId: 14),
                text: #"51-14["foo",{"_placeholder":true,"num":0}]"#, attachments: [[1, 2, 3, 4]]),
    SocketWireExample(packet: SocketPacket(type: .ack, data: ["bar"], ackId: 14), text: #"314["bar"]"#),
    SocketWireExample(packet: SocketPacket(type: .event, data: ["foo"], ackId: 15), text: #"215["foo"]"#),
    // Sample session.
    SocketWireExample(packet: SocketPacket(type: .event, data: ["hey", "Jude"]), text: #"2["hey","Jude"]"#),
    SocketWireExample(packet: SocketPacket(type: .event, data: ["hello"]), text: #"2["hello"]"#),
    SocketWireExample(packet: SocketPacket(type: .connect, namespace: "/admin", data: ["sid": "-G5j-67EZFp-q59rADQM"]),
                text: #"0/admin,{"sid":"-G5j-67EZFp-q59rADQM"}"#),
    SocketWireExample(packet: SocketPacket(type: .event, namespace: "/admin", data: ["tellme"], ackId: 1), text: #"2/admin,1["tellme"]"#),
    SocketWireExample(packet: SocketPacket(type: .binaryAck, namespace: "/admin", data: [.binary([0xDE, 0xAD])], ackId: 1),
                text: #"61-/admin,1[{"_placeholder":true,"num":0}]"#, attachments: [[0xDE, 0xAD]]),
    // Test suite.
    SocketWireExample(packet: SocketPacket(type: .event, data: ["auth", [:]]), text: #"2["auth",{}]"#),
    SocketWireExample(packet: SocketPacket(type: .event, namespace: "/custom", data: ["auth", ["token": "abc"]]),
                text: #"2/custom,["auth",{"token":"abc"}]"#),
    SocketWireExample(packet: SocketPacket(type: .connectError, namespace: "/random", data: ["message": "Invalid namespace"]),
                text: #"4/random,{"message":"Invalid namespace"}"#),
    SocketWireExample(packet: SocketPacket(type: .event, data: ["message-back", 1, "2", ["3": [true]]]),
                text: #"2["message-back",1,"2",{"3":[true]}]"#),
    SocketWireExample(packet: SocketPacket(type: .binaryEvent, data: ["message-back", .binary([1, 2, 3]), .binary([4, 5, 6])]),
                text: #"52-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
                attachments: [[1, 2, 3], [4, 5, 6]]),
    SocketWireExample(packet: SocketPacket(type: .event, data: ["message-with-ack", 1, "2", ["3": [false]]], ackId: 456),
                text: #"2456["message-with-ack",1,"2",{"3":[false]}]"#),
    SocketWireExample(packet: SocketPacket(type: .ack, data: [1, "2", ["3": [false]]], ackId: 456), text: #"3456[1,"2",{"3":[false]}]"#),
    SocketWireExample(packet: SocketPacket(type: .binaryAck, data: [.binary([1, 2, 3]), .binary([4, 5, 6])], ackId: 789),
                text: #"62-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
                attachments: [[1, 2, 3], [4, 5, 6]]),
]

final class SocketPacketEncoderTests: XCTestCase {
    func testProtocolExamples() {
        for example in socketWireExamples {
            let (text, attachments) = SocketPacketEncoder.encode(example.packet)
            XCTAssertEqual(String(decoding: text, as: UTF8.self), example.text)
            XCTAssertEqual(attachments, example.attachments, example.text)
        }
    }

    func testTypeFollowsTheData() {
        // Binary anywhere upgrades EVENT / ACK; no binary downgrades the binary variants.
        let nested = SocketPacket(type: .event, data: ["e", ["deep": [.binary([9])]], .binary([8])])
        let (text, attachments) = SocketPacketEncoder.encode(nested)
        XCTAssertEqual(String(decoding: text, as: UTF8.self),
                       #"52-["e",{"deep":[{"_placeholder":true,"num":0}]},{"_placeholder":true,"num":1}]"#)
        XCTAssertEqual(attachments, [[9], [8]])
        XCTAssertEqual(String(decoding: SocketPacketEncoder.encode(SocketPacket(type: .binaryEvent, data: ["x"])).text, as: UTF8.self), #"2["x"]"#)
        XCTAssertEqual(String(decoding: SocketPacketEncoder.encode(SocketPacket(type: .binaryAck, data: [], ackId: 3)).text, as: UTF8.self), "33[]")
        XCTAssertEqual(String(decoding: SocketPacketEncoder.encode(SocketPacket(type: .ack, data: [.binary([])], ackId: 3)).text, as: UTF8.self),
                       #"61-3[{"_placeholder":true,"num":0}]"#)
    }

    func testFieldsTheTypeCannotCarryAreLeftOut() {
        func text(_ packet: SocketPacket) -> String {
            let encoded = SocketPacketEncoder.encode(packet)
            XCTAssertEqual(encoded.attachments, [])
            return String(decoding: encoded.text, as: UTF8.self)
        }
        XCTAssertEqual(text(SocketPacket(type: .disconnect, data: ["x"], ackId: 4)), "1")
        XCTAssertEqual(text(SocketPacket(type: .connect, ackId: 4)), "0")
        XCTAssertEqual(text(SocketPacket(type: .connect, namespace: "")), "0")
        // CONNECT has no binary variant: the placeholder stays, no attachment is made.
        XCTAssertEqual(text(SocketPacket(type: .connect, data: ["b": .binary([1])])), #"0{"b":{"_placeholder":true,"num":0}}"#)
        XCTAssertEqual(text(SocketPacket(type: .connectError, data: "plain")), #"4"plain""#)
        XCTAssertEqual(text(SocketPacket(type: .event, data: ["big"], ackId: .max)), #"218446744073709551615["big"]"#)
    }

    func testAppendingVariantNumbersPlaceholdersPerPacket() {
        var text = Array("4".utf8)
        var attachments: [[UInt8]] = [[0xFF]]
        SocketPacketEncoder.encode(SocketPacket(type: .event, data: ["a", .binary([1])]), into: &text, attachments: &attachments)
        XCTAssertEqual(String(decoding: text, as: UTF8.self), #"451-["a",{"_placeholder":true,"num":0}]"#)
        XCTAssertEqual(attachments, [[0xFF], [1]])
    }
}
