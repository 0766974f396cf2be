@testable import PushCore
import XCTest

final class ConstantTimeTests: XCTestCase {
    func testEqualBytes() {
        XCTAssertTrue(constantTimeEquals([], []))
        XCTAssertTrue(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        let long = FIPSMessages.counting(1000)
        XCTAssertTrue(constantTimeEquals(long, long))
    }

    func testAnyDifferingByteIsCaught() {
        let reference = FIPSMessages.counting(64)
        for index in reference.indices {
            for bit in 0..<8 {
                var other = reference
                other[index] ^= 1 << bit
                XCTAssertFalse(constantTimeEquals(reference, other), "byte \(index) bit \(bit)")
            }
        }
    }

    func testLengthsMustMatch() {
        XCTAssertFalse(constantTimeEquals([1, 2, 3], [1, 2]))
        XCTAssertFalse(constantTimeEquals([1, 2], [1, 2, 3]))
        XCTAssertFalse(constantTimeEquals([], [0]))
        XCTAssertFalse(constantTimeEquals([0], []))
        // A repeat of the shorter value must not pass for the longer one.
        XCTAssertFalse(constantTimeEquals([7, 7, 7, 7], [7, 7]))
        XCTAssertFalse(constantTimeEquals([7, 7], [7, 7, 7, 7]))
    }

    func testRawBufferOverload() {
        let a: [UInt8] = [9, 8, 7], b: [UInt8] = [9, 8, 7], c: [UInt8] = [9, 8, 6]
        a.withUnsafeBytes { left in
            b.withUnsafeBytes { XCTAssertTrue(constantTimeEquals(left, $0)) }
            c.withUnsafeBytes { XCTAssertFalse(constantTimeEquals(left, $0)) }
        }
    }
}
