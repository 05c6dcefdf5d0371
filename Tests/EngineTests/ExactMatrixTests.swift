import BigInt
import Foundation
import TestSupport
import XCTest
@testable import Engine

/// Exact linear algebra against independent oracles: identities that must
/// hold exactly (A⁻¹·A = I, rref idempotent, A·x = b), a cofactor-expansion
/// determinant written here, and sympy run as a separate process.
final class ExactMatrixTests: XCTestCase {
    /// Random test matrices of every kind the engine must handle: small
    /// integers, low rank (singular), rationals, and entries near 2^62 that
    /// force the BigInt path.
    static func cases(count: Int, seed: UInt64) -> [ExactMatrix] {
        var rng = SplitMix64(seed: seed)
        var out: [ExactMatrix] = []
        for k in 0..<count {
            let n = 1 + Int(rng.next() % 8)
            let m = k % 5 == 0 ? n : 1 + Int(rng.next() % 8)
            func small() -> Int { Int(rng.next() % 19) - 9 }
            switch k % 4 {
            case 0:
                out.append(ExactMatrix((0..<n).map { _ in (0..<n).map { _ in small() } }))
            case 1:
                // Rank at most r: (n×r)·(r×m).
                let r = 1 + Int(rng.next() % UInt64(max(1, min(n, m) - 1)))
                let left = ExactMatrix((0..<n).map { _ in (0..<r).map { _ in small() } })
                let right = ExactMatrix((0..<r).map { _ in (0..<m).map { _ in small() } })
                out.append(try! left.multiplied(by: right))
            case 2:
                var entries: [Exact] = []
                for _ in 0..<(n * n) {
                    let d = 1 + Int(rng.next() % 12)
                    entries.append(try! Exact(BigInt(small()), BigInt(d)))
                }
                out.append(ExactMatrix(rows: n, cols: n, entries: entries))
            default:
                let big = ExactMatrix((0..<n).map { _ in (0..<n).map { _ in small() } })
                var entries = big.entries
                entries[0] = Exact(BigInt(1) << 62) + Exact(Int(rng.next() % 1000))
                if entries.count > 1 { entries[entries.count - 1] = -Exact(BigInt(3) << 61) }
                out.append(ExactMatrix(rows: n, cols: n, entries: entries))
            }
        }
        return out
    }

    func testInverseTimesMatrixIsIdentityExactly() throws {
        var invertible = 0
        for a in Self.cases(count: 300, seed: 1) where a.isSquare {
            do {
                let inverse = try a.inverse()
                XCTAssertEqual(try inverse.multiplied(by: a), try ExactMatrix.identity(a.rows), "A = \(a)")
                XCTAssertEqual(try a.multiplied(by: inverse), try ExactMatrix.identity(a.rows), "A = \(a)")
                invertible += 1
            } catch EngineError.singular(let rank, let size) {
                XCTAssertEqual(size, a.rows)
                XCTAssertEqual(rank, try a.rank())
                XCTAssertTrue(try a.determinant().isZero)
            }
        }
        XCTAssertGreaterThan(invertible, 100)
    }

    /// Laplace expansion along the first row, in Rational: slow, obviously right.
    static func cofactorDeterminant(_ m: [[Rational]]) -> Rational {
        let n = m.count
        if n == 0 { return Rational(1) }
        if n == 1 { return m[0][0] }
        var total = Rational(0)
        for j in 0..<n {
            let minor = m.dropFirst().map { row in row.enumerated().filter { $0.offset != j }.map(\.element) }
            let term = m[0][j] * cofactorDeterminant(Array(minor))
            total = j % 2 == 0 ? total + term : total - term
        }
        return total
    }

    func testDeterminantMatchesCofactorExpansion() throws {
        var checked = 0
        for a in Self.cases(count: 400, seed: 2) where a.isSquare && a.rows <= 6 {
            let rows = (0..<a.rows).map { i in (0..<a.cols).map { j in a[i, j].rational } }
            XCTAssertEqual(try a.determinant().rational, Self.cofactorDeterminant(rows), "A = \(a)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 100)
    }

    func testRrefIsIdempotentAndSolveSolves() throws {
        for a in Self.cases(count: 300, seed: 3) {
            let (r, pivots) = try a.rref()
            let (again, pivotsAgain) = try r.rref()
            XCTAssertEqual(again, r)
            XCTAssertEqual(pivotsAgain, pivots)
            XCTAssertEqual(pivots.count, try a.rank())
            // A basis of the null space really is one: A·N = 0, n − rank columns.
            let null = try a.nullspace()
            XCTAssertEqual(null.cols, a.cols - pivots.count)
            XCTAssertTrue(try a.multiplied(by: null).entries.allSatisfy(\.isZero))
            if a.isSquare, pivots.count == a.rows {
                let b = ExactMatrix((0..<a.rows).map { i in [i + 1, 2 * i - 3] })
                XCTAssertEqual(try a.multiplied(by: try a.solve(b)), b)
            }
        }
    }

    func testAgreesWithSympy() throws {
        let matrices = Self.cases(count: 240, seed: 4)
        func json(_ m: ExactMatrix) -> String {
            let rows = (0..<m.rows).map { i in
                "[" + (0..<m.cols).map { j in "\"\(m[i, j].description)\"" }.joined(separator: ",") + "]"
            }
            return "[" + rows.joined(separator: ",") + "]"
        }
        func text(_ m: ExactMatrix) -> [[String]] {
            (0..<m.rows).map { i in (0..<m.cols).map { j in m[i, j].description } }
        }
        var lines: [String] = []
        for a in matrices {
            lines.append("{\"op\": \"rref\", \"a\": \(json(a))}")
            lines.append("{\"op\": \"rank\", \"a\": \(json(a))}")
            lines.append("{\"op\": \"nullspace\", \"a\": \(json(a))}")
            if a.isSquare {
                lines.append("{\"op\": \"det\", \"a\": \(json(a))}")
                lines.append("{\"op\": \"inv\", \"a\": \(json(a))}")
            }
        }
        let answers = try PythonOracle.run("sympy", lines)
        var k = 0
        func next() throws -> Any { defer { k += 1 }; return try JSONSerialization.jsonObject(with: Data(answers[k].utf8), options: .fragmentsAllowed) }
        for a in matrices {
            let rref = try XCTUnwrap(try next() as? [String: Any])
            let (r, pivots) = try a.rref()
            XCTAssertEqual(text(r), rref["rref"] as? [[String]], "rref of \(a)")
            XCTAssertEqual(pivots, rref["pivots"] as? [Int], "pivots of \(a)")
            XCTAssertEqual(try a.rank(), try next() as? Int, "rank of \(a)")
            let null = try a.nullspace()
            let basis = (0..<null.cols).map { j in (0..<null.rows).map { i in null[i, j].description } }
            XCTAssertEqual(basis, try next() as? [[String]], "nullspace of \(a)")
            if a.isSquare {
                XCTAssertEqual(try a.determinant().description, try next() as? String, "det of \(a)")
                let inverse = try next()
                if let singular = inverse as? [String: Any] {
                    XCTAssertThrowsError(try a.inverse()) { error in
                        XCTAssertEqual(error as? EngineError, .singular(rank: singular["singular"] as? Int ?? -1, size: a.rows))
                    }
                } else {
                    XCTAssertEqual(text(try a.inverse()), inverse as? [[String]], "inv of \(a)")
                }
            }
        }
    }

    func testExactArithmeticNeverOverflows() throws {
        let big = Exact(Int.max)
        XCTAssertEqual((big + big).description, "18446744073709551614")
        XCTAssertEqual((big * big).rational, Rational(BigInt(Int.max) * BigInt(Int.max)))
        XCTAssertEqual((-big - big - Exact(2)).description, "-18446744073709551616")
        let third = try Exact(1).dividing(by: Exact(3))
        XCTAssertEqual((third + third + third), .one)
        let tiny = try Exact(1).dividing(by: Exact(Int.max))
        XCTAssertEqual((tiny * tiny).description, "1/\(BigInt(Int.max) * BigInt(Int.max))")
        XCTAssertEqual(Exact(Int.min).description, String(Int.min))
        XCTAssertEqual((-Exact(Int.min)).description, "9223372036854775808")
        XCTAssertThrowsError(try Exact(1).dividing(by: .zero))
        // A matrix whose products leave 64 bits stays exact.
        let m = ExactMatrix([[Int.max, 1], [1, Int.max]])
        let square = try m.multiplied(by: m)
        XCTAssertEqual(square[0, 0].rational, Rational(BigInt(Int.max) * BigInt(Int.max) + 1))
        XCTAssertEqual(try m.determinant().rational, Rational(BigInt(Int.max) * BigInt(Int.max) - 1))
    }

    func testEdgeShapes() throws {
        let empty = ExactMatrix(rows: 0, cols: 0, entries: [])
        XCTAssertEqual(try empty.determinant(), .one)
        XCTAssertEqual(try empty.inverse(), empty)
        XCTAssertEqual(try ExactMatrix(zeros: 2, 3).rank(), 0)
        XCTAssertEqual(try ExactMatrix(zeros: 0, 3).nullspace().cols, 3)
        XCTAssertThrowsError(try ExactMatrix([[1, 2, 3]]).inverse()) { error in
            XCTAssertEqual((error as? EngineError)?.message, "inv needs a square matrix, got 1×3")
        }
        XCTAssertThrowsError(try ExactMatrix(zeros: 1 << 40, 1 << 40)) { error in
            XCTAssertEqual(error as? EngineError, .tooLarge("a 1099511627776×1099511627776 matrix (at most 268435456 entries)"))
        }
    }

    func testGeneratorsAreDeterministicAndKeepTheirPromises() throws {
        for seed in 0..<40 {
            var rng = SeededRandom(seed: seed), again = SeededRandom(seed: seed)
            let n = 1 + seed % 6
            let u = try MatrixGenerator.unimodular(n, rng: &rng)
            XCTAssertEqual(u, try MatrixGenerator.unimodular(n, rng: &again))
            XCTAssertEqual(try u.determinant().magnitude, .one)
            XCTAssertTrue(try u.inverse().isIntegral)
            XCTAssertTrue(u.entries.allSatisfy { $0.magnitude.doubleValue <= 9 })
            let w = try MatrixGenerator.invertible(n, entries: .standard, maxCond: 50, rng: &rng)
            XCTAssertLessThanOrEqual(try w.floatMatrix.conditionNumber(), 50)
            guard case .exact(let s) = try MatrixGenerator.symmetric(n, entries: .standard, rng: &rng) else {
                return XCTFail("integer entries give an exact matrix")
            }
            XCTAssertEqual(s, s.transposed)
            guard case .exact(let t) = try MatrixGenerator.triangular(n, entries: .standard, lower: false, unit: false, rng: &rng) else {
                return XCTFail("integer entries give an exact matrix")
            }
            XCTAssertEqual(try t.rank(), n)
            for i in 0..<n { for j in 0..<i { XCTAssertTrue(t[i, j].isZero) } }
        }
    }
}
