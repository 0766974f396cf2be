import XCTest
@testable import PushCore

/// Handlers by event name: names of one length told apart, long and non-ASCII names, handlers
/// kept in the order added, and a name forgotten once its last handler goes.
final class EventNameTableTests: XCTestCase {
    private typealias Table = EventNameTable<Int>

    func testNamesOfTheSameLengthAreToldApart() {
        var table = Table()
        for (number, name) in ["ping", "pong", "echo", "chat", "p", ""].enumerated() { table.add(number, for: name) }

        XCTAssertEqual(table.handlers(for: "ping"), [0])
        XCTAssertEqual(table.handlers(for: "pong"), [1])
        XCTAssertEqual(table.handlers(for: "echo"), [2])
        XCTAssertEqual(table.handlers(for: "chat"), [3])
        XCTAssertEqual(table.handlers(for: "p"), [4])
        XCTAssertEqual(table.handlers(for: ""), [5])
        XCTAssertNil(table.handlers(for: "pang"))
        XCTAssertNil(table.handlers(for: "Ping"))
        XCTAssertNil(table.handlers(for: "pings"))
    }

    /// Names past 15 bytes live out of line; non-ASCII ones match byte for byte, as in the
    /// reference servers (JavaScript and Python compare code units and code points).
    func testLongAndNonASCIINamesAreFound() {
        var table = Table()
        let long = String(repeating: "event-name-", count: 10)
        table.add(1, for: long)
        table.add(2, for: "héllo")
        table.add(3, for: "日本語")

        XCTAssertEqual(table.handlers(for: String(repeating: "event-name-", count: 10)), [1])
        XCTAssertNil(table.handlers(for: String(long.dropLast()) + "x"))
        XCTAssertEqual(table.handlers(for: "héllo"), [2])
        XCTAssertNil(table.handlers(for: "he\u{301}llo"), "a decomposed é is another name")
        table.add(4, for: "K")
        table.add(5, for: "e\u{301}")
        XCTAssertNil(table.handlers(for: "\u{212A}"), "the Kelvin sign is not K")
        XCTAssertEqual(table.handlers(for: "e\u{301}"), [5])
        XCTAssertNil(table.handlers(for: "é"))
        XCTAssertEqual(table.handlers(for: "日本語"), [3])
    }

    func testHandlersKeepTheirOrderAndANameGoesWithItsLastHandler() {
        var table = Table()
        table.add(1, for: "a")
        table.add(2, for: "b")
        table.add(3, for: "a")
        table.add(4, for: "a")
        XCTAssertEqual(table.handlers(for: "a"), [1, 3, 4])

        table.removeAll(for: "a") { $0 == 3 }
        XCTAssertEqual(table.handlers(for: "a"), [1, 4])
        table.removeAll(for: "a") { _ in true }
        XCTAssertNil(table.handlers(for: "a"))
        XCTAssertEqual(table.handlers(for: "b"), [2], "the other name's handlers stay where they were")

        table.removeAll(for: "b")
        XCTAssertTrue(table.isEmpty)
        table.removeAll(for: "missing")
        table.removeAll(for: "missing") { _ in true }
        table.add(5, for: "b")
        XCTAssertEqual(table.handlers(for: "b"), [5])
    }
}
