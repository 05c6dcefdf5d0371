import Engine
import Foundation
import TestSupport
import XCTest

// Helpers for FloatMatrixTests: seeded random matrices, the numpy oracle
// (exact_oracle.py's "linalg" mode) and norm-wise relative comparisons that
// remember the worst error seen per operation.

/// A JSON value from the oracle.
enum OracleValue: Decodable {
    case number(Double)
    case string(String)
    case array([OracleValue])
    case object([String: OracleValue])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([OracleValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: OracleValue].self))
        }
    }

    /// A number; the oracle writes non-finite ones as "inf", "-inf", "nan".
    var double: Double? {
        switch self {
        case .number(let value): return value
        case .string("inf"): return .infinity
        case .string("-inf"): return -.infinity
        case .string("nan"): return .nan
        default: return nil
        }
    }

    var list: [OracleValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    var doubles: [Double]? {
        guard let list else { return nil }
        let values = list.compactMap(\.double)
        return values.count == list.count ? values : nil
    }

    /// A list of rows as a matrix with `cols` columns (needed when there are no rows).
    func matrix(cols: Int) -> FloatMatrix? {
        guard let list else { return nil }
        var entries: [Double] = []
        for row in list {
            guard let values = row.doubles, values.count == cols else { return nil }
            entries += values
        }
        return FloatMatrix(rows: list.count, cols: cols, entries: entries)
    }

    /// numpy raised LinAlgError with this message.
    var error: String? {
        if case .object(let fields) = self, case .string(let message)? = fields["error"] { return message }
        return nil
    }
}

enum LinalgOracle {
    /// A matrix as JSON rows (Swift prints the shortest decimal that reads
    /// back as the same Double, so numpy sees exactly these numbers).
    static func literal(_ m: FloatMatrix) -> String {
        let rows = (0..<m.rows).map { i in
            "[" + (0..<m.cols).map { j in "\(m[i, j])" }.joined(separator: ",") + "]"
        }
        return "[" + rows.joined(separator: ",") + "]"
    }

    /// One oracle case: `op` on `a`, plus extra JSON fields.
    static func line(_ op: String, _ a: FloatMatrix, _ extra: [String: String] = [:]) -> String {
        var fields = ["\"op\":\"\(op)\"", "\"a\":\(literal(a))", "\"shape\":[\(a.rows),\(a.cols)]"]
        for (key, value) in extra.sorted(by: { $0.key < $1.key }) { fields.append("\"\(key)\":\(value)") }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// numpy's answers, one per line; skips the test when python3 or numpy is missing.
    static func run(_ lines: [String]) throws -> [OracleValue] {
        let output = try PythonOracle.run("linalg", lines)
        let decoder = JSONDecoder()
        return try output.map { try decoder.decode(OracleValue.self, from: Data($0.utf8)) }
    }
}

/// The worst norm-wise relative error against numpy per operation, printed
/// when the test class finishes.
final class ErrorLedger: @unchecked Sendable {
    static let shared = ErrorLedger()
    private let lock = NSLock()
    private var worst: [String: Double] = [:]

    func record(_ operation: String, _ error: Double) {
        lock.lock()
        defer { lock.unlock() }
        worst[operation] = Swift.max(worst[operation] ?? 0, error)
    }

    func report() -> String {
        lock.lock()
        defer { lock.unlock() }
        return worst.sorted { $0.key < $1.key }
            .map { "\($0.key) \(String(format: "%.2e", $0.value))" }.joined(separator: ", ")
    }
}

/// max|actual − expected| / max|expected| (absolute when expected is all zero).
func normwiseRelativeError(_ actual: [Double], _ expected: [Double]) -> Double {
    guard actual.count == expected.count else { return .infinity }
    var difference = 0.0, scale = 0.0
    for (x, y) in zip(actual, expected) {
        difference = max(difference, abs(x - y))
        scale = max(scale, abs(y))
    }
    if difference.isNaN { return .infinity }
    return scale > 0 ? difference / scale : difference
}

/// Asserts a norm-wise relative error of at most `tolerance` and records it
/// when `operation` is a comparison against numpy.
func assertMatrixClose(_ actual: [Double], _ expected: [Double], _ operation: String, against numpy: Bool = true,
                 tolerance: Double = 1e-10, _ message: @autoclosure () -> String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    let error = normwiseRelativeError(actual, expected)
    if numpy { ErrorLedger.shared.record(operation, error) }
    XCTAssertLessThanOrEqual(error, tolerance, "\(operation): relative error \(error) \(message())",
                             file: file, line: line)
}

func assertMatrixClose(_ actual: FloatMatrix, _ expected: FloatMatrix, _ operation: String, against numpy: Bool = true,
                 tolerance: Double = 1e-10, _ message: @autoclosure () -> String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.rows, expected.rows, "\(operation): rows", file: file, line: line)
    XCTAssertEqual(actual.cols, expected.cols, "\(operation): cols", file: file, line: line)
    assertMatrixClose(actual.entries, expected.entries, operation, against: numpy, tolerance: tolerance, message(),
                file: file, line: line)
}

extension FloatMatrix {
    /// Entries uniform in [-1, 1).
    static func testRandom(_ rows: Int, _ cols: Int, _ generator: inout SplitMix64) -> FloatMatrix {
        FloatMatrix(rows: rows, cols: cols,
                    entries: (0..<(rows * cols)).map { _ in Double.random(in: -1..<1, using: &generator) })
    }

    /// A rows×cols matrix of rank `rank` (with probability 1): a product of random factors.
    static func testRandom(_ rows: Int, _ cols: Int, rank: Int, _ generator: inout SplitMix64) -> FloatMatrix {
        let left = testRandom(rows, rank, &generator), right = testRandom(rank, cols, &generator)
        return (try? left.multiplied(by: right)) ?? FloatMatrix(rows: 0, cols: 0, entries: [])
    }

    /// Sub-matrix of the given rows and columns.
    func testSubmatrix(rows rowIndices: [Int], cols colIndices: [Int]) -> FloatMatrix {
        FloatMatrix(rows: rowIndices.count, cols: colIndices.count,
                    entries: rowIndices.flatMap { i in colIndices.map { j in self[i, j] } })
    }

    /// ‖self‖ in the max-entry sense, the scale the relative checks use.
    var testMaxAbs: Double { entries.reduce(0) { max($0, abs($1)) } }
}

/// Shapes for the randomized tests: every size 1…8 a few times, square or
/// not, and a few 50×50 (and 50×20, 20×50) cases.
func randomShapes(square: Bool, _ generator: inout SplitMix64, perSize: Int = 4) -> [(Int, Int)] {
    var shapes: [(Int, Int)] = []
    for size in 1...8 {
        for _ in 0..<perSize {
            shapes.append(square ? (size, size) : (size, Int.random(in: 1...8, using: &generator)))
        }
    }
    shapes += square ? [(50, 50), (50, 50)] : [(50, 50), (50, 20), (20, 50)]
    return shapes
}
