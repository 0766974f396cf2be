@testable import PushCore
import Glibc
import TestSupport
import XCTest

final class HTTPDateTests: XCTestCase {
    func testFormatsKnownDates() {
        XCTAssertEqual(HTTPDate.format(epochSeconds: 0), "Thu, 01 Jan 1970 00:00:00 GMT")
        XCTAssertEqual(HTTPDate.format(epochSeconds: 784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT")
        XCTAssertEqual(HTTPDate.format(epochSeconds: 951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT")
        XCTAssertEqual(HTTPDate.format(epochSeconds: 4_102_444_799), "Thu, 31 Dec 2099 23:59:59 GMT")
    }

    func testParsesWhatItFormats() {
        XCTAssertEqual(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT"), 784_111_777)
        XCTAssertNil(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT"))
        XCTAssertNil(HTTPDate.parse("Sun Nov  6 08:49:37 1994"))
        XCTAssertNil(HTTPDate.parse("Sun, 06 Nov 1994 24:49:37 GMT"))
    }

    /// The C library is the reference: both directions agree over a spread of instants.
    func testAgreesWithTheCLibrary() {
        var random = SeededRandom(seed: 0xDA7E)
        for _ in 0..<5_000 {
            let seconds = Int(random.next() % 8_000_000_000)
            var time = time_t(seconds)
            var parts = tm()
            gmtime_r(&time, &parts)
            var buffer = [CChar](repeating: 0, count: 64)
            strftime(&buffer, 64, "%a, %d %b %Y %H:%M:%S GMT", &parts)
            let expected = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            XCTAssertEqual(HTTPDate.format(epochSeconds: seconds), expected)
            XCTAssertEqual(HTTPDate.parse(expected), seconds)
        }
    }
}
