import XCTest
@testable import PushCore

/// Connect and event hook answers are decoded strictly: every unexpected shape is an error
/// case (which refuses the socket or becomes an error ack), never a guess.
final class HookAnswerTests: XCTestCase {
    func connect(_ text: String) -> Result<ConnectHookAnswer, HookAnswerError> {
        ConnectHookAnswer.decode(Array(text.utf8))
    }

    func event(_ text: String) -> Result<EventHookAnswer, HookAnswerError> {
        EventHookAnswer.decode(Array(text.utf8), namespace: "/chat")
    }

    func testConnectAnswers() {
        XCTAssertEqual(try connect(#"{"allow":true,"data":{"a":1},"rooms":["r"],"user":"u"}"#).get(),
                       .allow(data: [JSONMember("a", 1)], rooms: ["r"], user: "u"))
        XCTAssertEqual(try connect(#"{"allow":true}"#).get(), .allow(data: [], rooms: [], user: nil))
        XCTAssertEqual(try connect(#"{"allow":false,"message":"no","data":{"code":4}}"#).get(),
                       .refuse(message: "no", data: ["code": 4]))
        XCTAssertEqual(try connect(#"{"allow":false}"#).get(), .refuse(message: "unauthorized", data: nil))
        XCTAssertEqual(connect("{\"allow\": tru").failure, .notJSON)
        XCTAssertEqual(connect("[true]").failure, .notAnObject)
        XCTAssertEqual(connect("{}").failure, .invalidField("allow", expected: "true or false"))
        XCTAssertEqual(connect(#"{"allow":"yes"}"#).failure, .invalidField("allow", expected: "true or false"))
        XCTAssertEqual(connect(#"{"allow":true,"rooms":"r"}"#).failure, .invalidField("rooms", expected: "an array of strings"))
        XCTAssertEqual(connect(#"{"allow":true,"rooms":[1]}"#).failure, .invalidField("rooms", expected: "an array of strings"))
        XCTAssertEqual(connect(#"{"allow":true,"data":[1]}"#).failure, .invalidField("data", expected: "an object"))
        XCTAssertEqual(connect(#"{"allow":true,"user":7}"#).failure, .invalidField("user", expected: "a string"))
        XCTAssertEqual(connect(#"{"allow":false,"message":{}}"#).failure, .invalidField("message", expected: "a string"))
        XCTAssertEqual(connect(String(repeating: "[", count: 100)).failure, .notJSON)
    }

    func testEventAnswers() throws {
        let answer = try event(#"{"ack":[1,{"$binary":"aGk="}],"emit":[{"to":["r"],"event":"e","args":[{"$binary":"AA=="}]}],"join":["j"],"leave":["l"],"disconnect":true}"#).get()
        XCTAssertEqual(answer.ack, [1, .binary(Array("hi".utf8))])
        XCTAssertEqual(answer.emits, [EmitCommand(selection: SocketSelection(namespace: "/chat", rooms: ["r"]), event: "e",
                                                  arguments: [.binary([0])], volatile: false, idempotencyKey: nil)])
        XCTAssertEqual(answer.join, ["j"])
        XCTAssertEqual(answer.leave, ["l"])
        XCTAssertTrue(answer.disconnect)
        XCTAssertEqual(try event("{}").get(), EventHookAnswer())
        XCTAssertEqual(try event(#"{"emit":[{"namespace":"/other","event":"x"}]}"#).get().emits.first?.selection.namespace, "/other")

        XCTAssertEqual(event(#"{"ack":1}"#).failure, .invalidField("ack", expected: "an array"))
        XCTAssertEqual(event(#"{"emit":{}}"#).failure, .invalidField("emit", expected: "an array"))
        XCTAssertEqual(event(#"{"emit":[3]}"#).failure, .invalidField("emit[0]", expected: "an object"))
        guard case .invalidEmit? = event(#"{"emit":[{"event":"connect"}]}"#).failure else { return XCTFail("reserved event") }
        guard case .invalidEmit? = event(#"{"emit":[{"event":"e","bogus":1}]}"#).failure else { return XCTFail("unknown field") }
        guard case .invalidEmit? = event(#"{"ack":[{"$binary":7}]}"#).failure else { return XCTFail("bad binary") }
        XCTAssertEqual(event(#"{"disconnect":"yes"}"#).failure, .invalidField("disconnect", expected: "true or false"))
        XCTAssertEqual(event(#"{"join":[null]}"#).failure, .invalidField("join", expected: "an array of strings"))
        XCTAssertEqual(event("nope").failure, .notJSON)
    }

    func testBinaryIsWrappedForTheBackend() {
        XCTAssertEqual(HookJSON.wrapBinary(.array([.binary([1, 2]), ["k": .binary([])]])),
                       .array([["$binary": "AQI="], ["k": ["$binary": ""]]]))
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
