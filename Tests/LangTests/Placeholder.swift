import XCTest
@testable import Lang

final class LangSmokeTests: XCTestCase {
    func testNothing() {}
}
