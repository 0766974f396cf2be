import XCTest
@testable import Transports

final class SlotListTests: XCTestCase {
    private final class Item: SlotListed {
        let name: Int
        var listSlot = -1
        init(_ name: Int) { self.name = name }
    }

    /// Every element's slot is its index, and the list holds exactly `expected`.
    private func assertConsistent(_ list: SlotList<Item>, _ expected: Set<Int>, file: StaticString = #filePath, line: UInt = #line) {
        for (index, item) in list.elements.enumerated() {
            XCTAssertEqual(item.listSlot, index, "item \(item.name)", file: file, line: line)
        }
        XCTAssertEqual(Set(list.elements.map(\.name)), expected, file: file, line: line)
        XCTAssertEqual(list.elements.count, expected.count, "an item listed twice", file: file, line: line)
    }

    func testRemovalMovesTheLastIntoTheGap() {
        let list = SlotList<Item>()
        let items = (0..<5).map(Item.init)
        items.forEach(list.insert)
        assertConsistent(list, [0, 1, 2, 3, 4])
        list.remove(items[1])
        XCTAssertEqual(list.elements.map(\.name), [0, 4, 2, 3])
        XCTAssertEqual(items[1].listSlot, -1)
        list.remove(items[3])  // the last: nothing moves
        XCTAssertEqual(list.elements.map(\.name), [0, 4, 2])
        assertConsistent(list, [0, 2, 4])
        list.insert(items[1])
        assertConsistent(list, [0, 1, 2, 4])
    }

    func testInsertingTwiceAndRemovingAStrangerChangeNothing() {
        let list = SlotList<Item>()
        let (a, b) = (Item(1), Item(2))
        list.insert(a)
        list.insert(a)
        list.insert(b)
        assertConsistent(list, [1, 2])
        let other = SlotList<Item>()
        let stranger = Item(3)
        other.insert(stranger)  // slot 0, which in `list` is `a`'s
        list.remove(stranger)
        list.remove(Item(4))
        assertConsistent(list, [1, 2])
        assertConsistent(other, [3])
        list.remove(a)
        list.remove(a)
        assertConsistent(list, [2])
    }

    func testRandomInsertsAndRemovalsKeepEverySlotRight() {
        var random = SystemRandomNumberGenerator()
        let list = SlotList<Item>()
        let items = (0..<300).map(Item.init)
        var expected = Set<Int>()
        for _ in 0..<5_000 {
            let item = items.randomElement(using: &random)!
            if Bool.random(using: &random) { list.insert(item); expected.insert(item.name) } else { list.remove(item); expected.remove(item.name) }
        }
        assertConsistent(list, expected)
    }

    func testStorageIsGivenBackOnceACrowdHasLeft() {
        let list = SlotList<Item>()
        let crowd = (0..<5_000).map(Item.init)
        crowd.forEach(list.insert)
        let peak = list.elements.capacity
        crowd.dropFirst(100).forEach(list.remove)
        assertConsistent(list, Set(0..<100))
        XCTAssertLessThan(list.elements.capacity, peak / 4)
    }
}
