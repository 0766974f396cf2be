import PushCore
import XCTest
@testable import Transports

final class OriginPolicyTests: XCTestCase {
    func testAnyOriginGetsAStarWithoutCredentials() {
        let headers = OriginPolicy.any.corsHeaders(origin: "https://evil.example", host: "pushd.example")
        XCTAssertEqual(headers.map(\.0), ["Access-Control-Allow-Origin"])
        XCTAssertEqual(headers.first?.1, "*")
    }

    func testAListedOriginGetsCredentials() {
        let policy = OriginPolicy.list(["https://good.example"])
        let headers = Dictionary(uniqueKeysWithValues: policy.corsHeaders(origin: "https://good.example", host: "x"))
        XCTAssertEqual(headers["Access-Control-Allow-Origin"], "https://good.example")
        XCTAssertEqual(headers["Access-Control-Allow-Credentials"], "true")
        XCTAssertTrue(policy.corsHeaders(origin: "https://evil.example", host: "x").isEmpty)
        XCTAssertTrue(policy.corsHeaders(origin: "null", host: "x").isEmpty)
    }

    func testSameOriginWithOrWithoutTheDefaultPort() {
        let policy = OriginPolicy.sameOrigin
        XCTAssertTrue(policy.allows(origin: "http://Example.com:80", host: "example.com"))
        XCTAssertTrue(policy.allows(origin: "https://example.com", host: "example.com:443"))
        XCTAssertFalse(policy.allows(origin: "https://example.com", host: "example.com:80"))
        XCTAssertFalse(policy.allows(origin: "http://example.com:8080", host: "example.com"))
    }

    func testATrustedSchemeMustBeTheOrigins() {
        XCTAssertTrue(OriginPolicy.sameOrigin.allows(origin: "https://a.example", host: "a.example", scheme: "https"))
        XCTAssertFalse(OriginPolicy.sameOrigin.allows(origin: "http://a.example", host: "a.example", scheme: "https"))
    }

    func testProxyHeadersAreBelievedOnlyWhenTrusted() {
        let headers = HTTPHeaders([("Host", "127.0.0.1:3000"), ("X-Forwarded-Host", "a.example:8080"),
                                   ("X-Forwarded-Proto", "HTTPS"), ("X-Forwarded-For", "198.51.100.1, 203.0.113.7")])
        let trusted = ProxyHeaders(headers, peer: "127.0.0.1:5000", trusted: true)
        XCTAssertEqual(trusted.host, "a.example:8080")
        XCTAssertEqual(trusted.scheme, "https")
        XCTAssertEqual(trusted.clientAddress, "203.0.113.7")
        let untrusted = ProxyHeaders(headers, peer: "127.0.0.1:5000", trusted: false)
        XCTAssertEqual(untrusted.host, "127.0.0.1:3000")
        XCTAssertNil(untrusted.scheme)
        XCTAssertEqual(untrusted.clientAddress, "127.0.0.1:5000")
    }

    func testForwardedAddressesAreCheckedAndShownAsPeersAre() {
        XCTAssertEqual(ProxyHeaders.address("2001:db8::1"), "[2001:db8::1]")
        XCTAssertEqual(ProxyHeaders.address("[2001:db8::1]:443"), "[2001:db8::1]:443")
        XCTAssertEqual(ProxyHeaders.address("1.2.3.4:5"), "1.2.3.4:5")
        XCTAssertNil(ProxyHeaders.address("evil.example"))
        XCTAssertNil(ProxyHeaders.address("1.2.3.4<script>"))
    }
}
