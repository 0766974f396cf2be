@testable import PushCore
import XCTest

final class ServerAPIDecoderTests: XCTestCase {
    private let decoder = ServerAPIDecoder()

    private func decode(_ method: String, _ body: String) -> Result<ServerAPICommand, ServerAPIError> {
        decoder.decode(method: method, body: Array(body.utf8))
    }

    private func error(_ method: String, _ body: String, file: StaticString = #filePath, line: UInt = #line) -> ServerAPIError? {
        if case .failure(let error) = decode(method, body) { return error }
        XCTFail("\(method) \(body) was accepted", file: file, line: line)
        return nil
    }

    func testEmitWithEverything() throws {
        let body = #"{"namespace":"/chat","event":"news","args":[1,"two",{"x":null}],"to":["a","b"],"except":["c"],"socket":"S1","volatile":true,"idempotencyKey":"k1"}"#
        guard case .success(.emit(let emit)) = decode("emit", body) else { return XCTFail() }
        XCTAssertEqual(emit.selection, SocketSelection(namespace: "/chat", rooms: ["a", "b", "S1"], except: ["c"]))
        XCTAssertEqual(emit.event, "news")
        XCTAssertEqual(emit.arguments, [1, "two", ["x": nil]])
        XCTAssertTrue(emit.volatile)
        XCTAssertEqual(emit.idempotencyKey, "k1")
    }

    func testEmitDefaults() {
        guard case .success(.emit(let emit)) = decode("emit", #"{"event":"e"}"#) else { return XCTFail() }
        XCTAssertEqual(emit.selection, SocketSelection(namespace: "/"))
        XCTAssertEqual(emit.arguments, [])
        XCTAssertFalse(emit.volatile)
        XCTAssertNil(emit.idempotencyKey)
    }

    func testBinaryArgumentsAnywhere() {
        let body = #"{"event":"file","args":[{"$binary":"AAEC"},{"meta":{"thumb":{"$binary":""}},"list":[{"$binary":"/w=="}]}]}"#
        guard case .success(.emit(let emit)) = decode("emit", body) else { return XCTFail() }
        XCTAssertEqual(emit.arguments[0], .binary([0, 1, 2]))
        XCTAssertEqual(emit.arguments[1], .object([JSONMember("meta", .object([JSONMember("thumb", .binary([]))])),
                                                  JSONMember("list", .array([.binary([255])]))]))
    }

    func testBadBinaryNamesItsPath() {
        let failure = error("emit", #"{"event":"e","args":[1,{"a":[{"$binary":"***"}]}]}"#)
        XCTAssertEqual(failure?.code, .invalidBinary)
        XCTAssertEqual(failure?.message.contains("args[1].a[0]"), true, failure?.message ?? "")
        XCTAssertEqual(error("emit", #"{"event":"e","args":[{"$binary":5}]}"#)?.code, .invalidBinary)
    }

    func testEventRules() {
        XCTAssertEqual(error("emit", #"{"args":[]}"#)?.code, .missingField)
        XCTAssertEqual(error("emit", #"{"event":""}"#)?.code, .emptyEvent)
        for reserved in ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"] {
            XCTAssertEqual(error("emit", #"{"event":"\#(reserved)"}"#)?.code, .reservedEvent, reserved)
        }
        XCTAssertEqual(error("emit", #"{"event":5}"#)?.code, .invalidField)
    }

    func testFieldTypesAreChecked() {
        XCTAssertEqual(error("emit", #"{"event":"e","to":[1]}"#)?.message, #""to" must be an array of strings"#)
        XCTAssertEqual(error("emit", #"{"event":"e","volatile":"yes"}"#)?.message, #""volatile" must be true or false"#)
        XCTAssertEqual(error("emit", #"{"event":"e","args":{}}"#)?.message, #""args" must be an array"#)
        XCTAssertEqual(error("emit", #"{"event":"e","namespace":"chat"}"#)?.code, .invalidField)
        XCTAssertEqual(error("emit", #"{"event":"e","room":"a"}"#)?.code, .unknownField)
    }

    func testSingleStringCountsAsAList() {
        guard case .success(.join(let selection, let rooms)) = decode("join", #"{"in":"S1","rooms":"r"}"#) else { return XCTFail() }
        XCTAssertEqual(selection.rooms, ["S1"])
        XCTAssertEqual(rooms, ["r"])
    }

    func testRoomCommands() {
        XCTAssertEqual(try decode("leave", #"{"namespace":"/a","in":["x"],"rooms":["r1","r2"]}"#).get(),
                       .leave(SocketSelection(namespace: "/a", rooms: ["x"]), rooms: ["r1", "r2"]))
        XCTAssertEqual(error("join", #"{"in":["x"]}"#)?.code, .missingField)
        XCTAssertEqual(try decode("disconnect", #"{"in":["x"],"close":true}"#).get(),
                       .disconnect(SocketSelection(rooms: ["x"]), closeTransport: true))
        XCTAssertEqual(try decode("sockets", #"{}"#).get(), .sockets(SocketSelection()))
        XCTAssertEqual(try decode("rooms", #"{"namespace":"/n"}"#).get(), .rooms(namespace: "/n"))
        XCTAssertEqual(error("rooms", #"{"in":["x"]}"#)?.code, .unknownField)
    }

    func testBatch() {
        let body = #"{"commands":[{"method":"emit","event":"a"},{"method":"join","in":"s","rooms":["r"]}]}"#
        guard case .success(.batch(let commands)) = decode("batch", body) else { return XCTFail() }
        XCTAssertEqual(commands.count, 2)
        XCTAssertEqual(error("batch", #"{"commands":[{"method":"batch","commands":[]}]}"#)?.code, .invalidField)
        XCTAssertEqual(error("batch", #"{"commands":[{"event":"a"}]}"#)?.code, .missingField)
        XCTAssertEqual(error("batch", #"{"commands":[{"method":"nope"}]}"#)?.code, .unknownMethod)
        let inner = error("batch", #"{"commands":[{"method":"emit","event":"a"},{"method":"emit","event":""}]}"#)
        XCTAssertEqual(inner?.code, .emptyEvent)
        XCTAssertEqual(inner?.message.contains("commands[1].event"), true)
        let many = "{\"commands\":[" + Array(repeating: #"{"method":"rooms"}"#, count: 1001).joined(separator: ",") + "]}"
        XCTAssertEqual(error("batch", many)?.code, .invalidField)
    }

    func testBodyShape() {
        XCTAssertEqual(error("emit", "not json")?.code, .invalidJSON)
        XCTAssertEqual(error("emit", "")?.code, .invalidJSON)
        XCTAssertEqual(error("emit", "[1]")?.code, .notAnObject)
        let deep = #"{"event":"e","args":"# + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}"
        XCTAssertEqual(error("emit", deep)?.code, .tooDeep)
        XCTAssertEqual(error("publish", "{}")?.code, .unknownMethod)
        XCTAssertEqual(error("publish", "{}")?.status, 404)
    }

    func testErrorJSON() {
        let failure = ServerAPIError(.unknownField, "unknown field \"x\"")
        XCTAssertEqual(failure.json.jsonString, #"{"error":{"code":"unknown_field","message":"unknown field \"x\""}}"#)
        XCTAssertEqual(failure.status, 400)
        XCTAssertEqual(ServerAPIError(.unauthorized, "").status, 401)
        XCTAssertEqual(ServerAPIError(.bodyTooLarge, "").status, 413)
    }
}

final class ServerAPIDescriptionTests: XCTestCase {
    func testAddressesLoseTheirPort() {
        XCTAssertEqual(ServerAPI.hostPart(of: "127.0.0.1:52100"), "127.0.0.1")
        XCTAssertEqual(ServerAPI.hostPart(of: "[::1]:52100"), "::1")
        XCTAssertEqual(ServerAPI.hostPart(of: "unknown"), "unknown")
    }
}
