import Engine
import TestSupport
import XCTest

/// FloatMatrix's LAPACK wrapper against numpy (and scipy for lu and
/// null_space) on seeded random matrices, plus properties that need no
/// oracle (A·inv(A) = I, Q orthonormal, P·L·U = A, A·N = 0) and the errors
/// and edge cases. Comparisons are norm-wise relative: max|x − y| / max|y|.
final class FloatMatrixTests: XCTestCase {
    override class func tearDown() {
        let report = ErrorLedger.shared.report()
        if !report.isEmpty { print("FloatMatrixTests: worst relative error vs numpy: \(report)") }
        super.tearDown()
    }

    // MARK: - Helpers

    /// Asserts QᵀQ = I (orthonormal columns).
    private func assertOrthonormalColumns(_ q: FloatMatrix, _ what: String,
                                          file: StaticString = #filePath, line: UInt = #line) throws {
        let gram = try q.transposed.multiplied(by: q)
        assertMatrixClose(gram, try FloatMatrix.identity(q.cols), what, against: false, tolerance: 1e-12,
                          file: file, line: line)
    }

    /// Asserts `body` throws exactly `expected`.
    private func assertThrows<T>(_ expected: EngineError, _ what: String,
                                 file: StaticString = #filePath, line: UInt = #line,
                                 _ body: () throws(EngineError) -> T) {
        do {
            _ = try body()
            XCTFail("\(what): expected \(expected.message), got a result", file: file, line: line)
        } catch {
            XCTAssertEqual(error, expected, what, file: file, line: line)
        }
    }

    private func matrix(_ rows: [[Double]]) -> FloatMatrix {
        FloatMatrix(rows: rows.count, cols: rows.first?.count ?? 0, entries: rows.flatMap { $0 })
    }

    private func diagonal(_ values: [Double], _ rows: Int, _ cols: Int) throws -> FloatMatrix {
        var d = try FloatMatrix(zeros: rows, cols)
        for (i, value) in values.enumerated() { d[i, i] = value }
        return d
    }

    // MARK: - Against numpy

    func testInverseMatchesNumpy() throws {
        var generator = SplitMix64(seed: 1)
        let matrices = randomShapes(square: true, &generator).map { FloatMatrix.testRandom($0.0, $0.1, &generator) }
        let expected = try LinalgOracle.run(matrices.map { LinalgOracle.line("inv", $0) })
        for (a, numpy) in zip(matrices, expected) {
            let inverse = try a.inverse()
            let reference = try XCTUnwrap(numpy.matrix(cols: a.cols), "numpy: \(numpy)")
            assertMatrixClose(inverse, reference, "inv", "\(a.rows)×\(a.cols)")
            // A·inv(A) = I up to rounding scaled by the size of inv(A).
            let product = try a.multiplied(by: inverse)
            assertMatrixClose(product, try FloatMatrix.identity(a.rows), "A·inv(A)", against: false,
                              tolerance: 1e-13 * Double(a.rows) * max(1, inverse.testMaxAbs))
        }
    }

    func testDeterminantMatchesNumpy() throws {
        var generator = SplitMix64(seed: 2)
        let matrices = randomShapes(square: true, &generator).map { FloatMatrix.testRandom($0.0, $0.1, &generator) }
        let expected = try LinalgOracle.run(matrices.map { LinalgOracle.line("det", $0) })
        for (a, numpy) in zip(matrices, expected) {
            let reference = try XCTUnwrap(numpy.double)
            assertMatrixClose([try a.determinant()], [reference], "det", "\(a.rows)×\(a.cols)")
        }
        // Row swaps flip the sign: a permutation matrix has determinant ±1 exactly.
        XCTAssertEqual(try matrix([[0, 1], [1, 0]]).determinant(), -1)
        XCTAssertEqual(try matrix([[0, 1, 0], [0, 0, 1], [1, 0, 0]]).determinant(), 1)
        XCTAssertEqual(try matrix([[2, 0], [0, 3]]).determinant(), 6)
    }

    func testSolveMatchesNumpy() throws {
        var generator = SplitMix64(seed: 3)
        var cases: [(FloatMatrix, FloatMatrix)] = []
        for (n, _) in randomShapes(square: true, &generator) {
            let k = Int.random(in: 1...3, using: &generator)
            cases.append((FloatMatrix.testRandom(n, n, &generator), FloatMatrix.testRandom(n, k, &generator)))
        }
        let expected = try LinalgOracle.run(cases.map { LinalgOracle.line("solve", $0.0, ["b": LinalgOracle.literal($0.1)]) })
        for ((a, b), numpy) in zip(cases, expected) {
            let x = try a.solve(b)
            assertMatrixClose(x, try XCTUnwrap(numpy.matrix(cols: b.cols)), "solve", "\(a.rows)×\(b.cols)")
        }
    }

    func testSVDReconstructsAndMatchesNumpySingularValues() throws {
        var generator = SplitMix64(seed: 4)
        var matrices = randomShapes(square: false, &generator).map { FloatMatrix.testRandom($0.0, $0.1, &generator) }
        matrices += [FloatMatrix.testRandom(6, 4, rank: 2, &generator), FloatMatrix.testRandom(3, 7, rank: 1, &generator)]
        let expected = try LinalgOracle.run(matrices.map { LinalgOracle.line("svdvals", $0) })
        for (a, numpy) in zip(matrices, expected) {
            let (u, s, v) = try a.svd()
            let k = min(a.rows, a.cols)
            XCTAssertEqual([u.rows, u.cols, s.count, v.rows, v.cols], [a.rows, k, k, a.cols, k])
            assertMatrixClose(s, try XCTUnwrap(numpy.doubles), "svd values")
            XCTAssertEqual(s, s.sorted(by: >), "descending")
            let reconstructed = try u.multiplied(by: try diagonal(s, k, k)).multiplied(by: v.transposed)
            assertMatrixClose(reconstructed, a, "U·S·Vᵀ", against: false, tolerance: 1e-13)
            try assertOrthonormalColumns(u, "UᵀU")
            try assertOrthonormalColumns(v, "VᵀV")
            assertMatrixClose(try a.singularValues(), s, "singularValues", against: false, tolerance: 1e-13)
        }
    }

    func testSymmetricEigenMatchesNumpy() throws {
        var generator = SplitMix64(seed: 5)
        var matrices: [FloatMatrix] = []
        for (n, _) in randomShapes(square: true, &generator) {
            let b = FloatMatrix.testRandom(n, n, &generator)
            // (b + bᵀ)/2 is exactly symmetric; b·bᵀ is symmetric up to rounding, which must be accepted.
            matrices.append(try b.zipWith(b.transposed, "add") { ($0 + $1) / 2 })
            matrices.append(try b.multiplied(by: b.transposed))
        }
        let expected = try LinalgOracle.run(matrices.map { LinalgOracle.line("eigh", $0) })
        for (a, numpy) in zip(matrices, expected) {
            let (values, vectors) = try a.symmetricEigen()
            assertMatrixClose(values, try XCTUnwrap(numpy.doubles), "eigh values")
            XCTAssertEqual(values, values.sorted(), "ascending")
            try assertOrthonormalColumns(vectors, "eigh VᵀV")
            // A·V = V·diag(λ): each column is an eigenvector.
            let av = try a.multiplied(by: vectors)
            let vl = try vectors.multiplied(by: try diagonal(values, a.rows, a.rows))
            XCTAssertLessThanOrEqual(normwiseRelativeError(av.entries, vl.entries) * max(1, vl.testMaxAbs),
                                     1e-12 * max(1, a.testMaxAbs) * Double(a.rows), "A·v = λ·v")
        }
    }

    func testEigenvaluesMatchNumpy() throws {
        var generator = SplitMix64(seed: 6)
        let matrices = randomShapes(square: true, &generator).map { FloatMatrix.testRandom($0.0, $0.1, &generator) }
            + [matrix([[0, -1], [1, 0]]), matrix([[2, 0, 0], [0, 3, 0], [0, 0, 1]])]
        let expected = try LinalgOracle.run(matrices.map { LinalgOracle.line("eigvals", $0) })
        for (a, numpy) in zip(matrices, expected) {
            let values = try a.eigenvalues()
            let reference = try XCTUnwrap(numpy.list?.compactMap(\.doubles))
            XCTAssertEqual(values.count, reference.count)
            assertMatrixClose(values.flatMap { [$0.re, $0.im] }, reference.flatMap { $0 }, "eigvals",
                              "\(a.rows)×\(a.cols)")
        }
        let rotation = try matrix([[0, -1], [1, 0]]).eigenvalues()
        XCTAssertEqual(rotation.map(\.re), [0, 0])
        XCTAssertEqual(rotation.map(\.im), [1, -1], "conjugate pair: positive imaginary part first")
        XCTAssertEqual(try matrix([[2, 0, 0], [0, 3, 0], [0, 0, 1]]).eigenvalues().map(\.re), [3, 2, 1])
    }

    func testPseudoInverseMatchesNumpy() throws {
        var generator = SplitMix64(seed: 7)
        var cases: [(FloatMatrix, Double?)] = randomShapes(square: false, &generator)
            .map { (FloatMatrix.testRandom($0.0, $0.1, &generator), nil) }
        // Rank-deficient: rounding leaves singular values near 1e-16·S.max that
        // the default cutoff (1e-15·S.max) may or may not drop; 1e-10 drops them
        // on both sides.
        for _ in 0..<10 {
            let m = Int.random(in: 2...8, using: &generator), n = Int.random(in: 2...8, using: &generator)
            let r = Int.random(in: 1..<min(m, n), using: &generator)
            cases.append((FloatMatrix.testRandom(m, n, rank: r, &generator), 1e-10))
        }
        // The default cutoff is relative to S.max: tiny and huge scales keep every value.
        for scale in [1e-20, 1e20] {
            cases.append((FloatMatrix.testRandom(4, 3, &generator).map { $0 * scale }, nil))
        }
        let expected = try LinalgOracle.run(cases.map { a, rcond in
            LinalgOracle.line("pinv", a, rcond.map { ["rcond": "\($0)"] } ?? [:])
        })
        for ((a, rcond), numpy) in zip(cases, expected) {
            let pinv = try a.pseudoInverse(rcond: rcond)
            assertMatrixClose(pinv, try XCTUnwrap(numpy.matrix(cols: a.rows)), "pinv", "\(a.rows)×\(a.cols)")
            // Penrose: A·A⁺·A = A.
            let aga = try a.multiplied(by: pinv).multiplied(by: a)
            assertMatrixClose(aga, a, "A·pinv(A)·A", against: false, tolerance: 1e-9, "\(a.rows)×\(a.cols)")
        }
    }

    func testNormsMatchNumpy() throws {
        var generator = SplitMix64(seed: 8)
        let matrices = randomShapes(square: false, &generator).map { FloatMatrix.testRandom($0.0, $0.1, &generator) }
            + [matrix([[1e200, 1e200], [1e200, 1e200]])]  // Frobenius without overflow
        let expected = try LinalgOracle.run(matrices.dropLast().map { LinalgOracle.line("norms", $0) })
        for (a, numpy) in zip(matrices, expected) {
            let reference = try XCTUnwrap(numpy.doubles)
            let ours = [try a.norm(.one), try a.norm(.two), try a.norm(.frobenius), try a.norm(.infinity)]
            for (name, pair) in zip(["norm 1", "norm 2", "norm fro", "norm inf"], zip(ours, reference)) {
                assertMatrixClose([pair.0], [pair.1], name, "\(a.rows)×\(a.cols)")
            }
        }
        let huge = try XCTUnwrap(matrices.last)
        assertMatrixClose([try huge.norm(.frobenius)], [2e200], "fro of 1e200s", against: false, tolerance: 1e-15)
        assertMatrixClose([try huge.norm(.two)], [2e200], "2-norm of 1e200s", against: false, tolerance: 1e-15)
        let row = matrix([[1, -2, 3]])
        XCTAssertEqual(try row.norm(.one), 3)
        XCTAssertEqual(try row.norm(.infinity), 6)
    }

    func testConditionNumberMatchesNumpy() throws {
        var generator = SplitMix64(seed: 9)
        let matrices = randomShapes(square: false, &generator).map { FloatMatrix.testRandom($0.0, $0.1, &generator) }
        let expected = try LinalgOracle.run(matrices.map { LinalgOracle.line("cond", $0) })
        for (a, numpy) in zip(matrices, expected) {
            assertMatrixClose([try a.conditionNumber()], [try XCTUnwrap(numpy.double)], "cond", "\(a.rows)×\(a.cols)")
        }
        XCTAssertEqual(try matrix([[1, 2], [2, 4]].map { $0 }).conditionNumber() > 1e15, true)
        XCTAssertEqual(try FloatMatrix(zeros: 2, 3).conditionNumber(), .infinity)
        XCTAssertEqual(try matrix([[2, 0], [0, 0.5]]).conditionNumber(), 4)
    }

    func testRankMatchesNumpy() throws {
        var generator = SplitMix64(seed: 10)
        var cases: [(FloatMatrix, Int)] = []
        for _ in 0..<40 {
            let m = Int.random(in: 1...8, using: &generator), n = Int.random(in: 1...8, using: &generator)
            let r = Int.random(in: 0...min(m, n), using: &generator)
            cases.append((r == 0 ? try FloatMatrix(zeros: m, n) : FloatMatrix.testRandom(m, n, rank: r, &generator), r))
        }
        cases.append((FloatMatrix.testRandom(50, 50, rank: 37, &generator), 37))
        cases.append((FloatMatrix.testRandom(50, 20, rank: 20, &generator), 20))
        let expected = try LinalgOracle.run(cases.map { LinalgOracle.line("rank", $0.0) })
        for ((a, r), numpy) in zip(cases, expected) {
            let rank = try a.rank()
            XCTAssertEqual(Double(rank), numpy.double, "rank vs numpy for \(a.rows)×\(a.cols)")
            XCTAssertEqual(rank, r, "constructed rank")
            XCTAssertEqual(a.rref().pivots.count, r, "rref pivots = rank for \(a.rows)×\(a.cols)")
        }
        XCTAssertEqual(try matrix([[1, 0], [0, 1e-3]]).rank(tolerance: 1e-2), 1)
    }

    func testQRMatchesNumpy() throws {
        var generator = SplitMix64(seed: 11)
        let matrices = randomShapes(square: false, &generator).map { FloatMatrix.testRandom($0.0, $0.1, &generator) }
        let expected = try LinalgOracle.run(matrices.map { LinalgOracle.line("qr", $0) })
        for (a, numpy) in zip(matrices, expected) {
            let (q, r) = try a.qr()
            let k = min(a.rows, a.cols)
            XCTAssertEqual([q.rows, q.cols, r.rows, r.cols], [a.rows, k, k, a.cols])
            try assertOrthonormalColumns(q, "QᵀQ")
            assertMatrixClose(try q.multiplied(by: r), a, "Q·R", against: false, tolerance: 1e-13)
            for i in 0..<k { for j in 0..<min(i, a.cols) { XCTAssertEqual(r[i, j], 0, "R is upper triangular") } }
            // numpy runs the same Householder algorithm, so R agrees including signs.
            assertMatrixClose(r, try XCTUnwrap(numpy.matrix(cols: a.cols)), "qr R", "\(a.rows)×\(a.cols)")
        }
    }

    func testLUMatchesScipy() throws {
        var generator = SplitMix64(seed: 12)
        let matrices = randomShapes(square: false, &generator).map { FloatMatrix.testRandom($0.0, $0.1, &generator) }
            + [matrix([[1, 2], [2, 4]]), try FloatMatrix(zeros: 3, 2)]
        let expected = try LinalgOracle.run(matrices.map { LinalgOracle.line("lu", $0) })
        for (a, scipy) in zip(matrices, expected) {
            let (p, l, u) = try a.lu()
            let m = a.rows, n = a.cols, k = min(m, n)
            XCTAssertEqual([p.rows, p.cols, l.rows, l.cols, u.rows, u.cols], [m, m, m, k, k, n])
            assertMatrixClose(try p.multiplied(by: l).multiplied(by: u), a, "P·L·U", against: false, tolerance: 1e-13)
            // P is a permutation; L unit lower triangular; U upper triangular — exactly.
            XCTAssertEqual(p.entries.filter { $0 == 1 }.count, m)
            XCTAssertEqual(p.entries.filter { $0 != 0 && $0 != 1 }.count, 0)
            assertMatrixClose(try p.multiplied(by: p.transposed), try FloatMatrix.identity(m), "PPᵀ", against: false,
                              tolerance: 0)
            for i in 0..<m {
                for j in 0..<k where j >= i { XCTAssertEqual(l[i, j], i == j ? 1 : 0, "L unit lower") }
            }
            for i in 0..<k { for j in 0..<i { XCTAssertEqual(u[i, j], 0, "U upper") } }
            let parts = try XCTUnwrap(scipy.list)
            XCTAssertEqual(parts.count, 3)
            assertMatrixClose(p, try XCTUnwrap(parts[0].matrix(cols: m)), "lu P", "\(m)×\(n)")
            assertMatrixClose(l, try XCTUnwrap(parts[1].matrix(cols: k)), "lu L", "\(m)×\(n)")
            assertMatrixClose(u, try XCTUnwrap(parts[2].matrix(cols: n)), "lu U", "\(m)×\(n)")
        }
    }

    func testNullspaceMatchesScipy() throws {
        var generator = SplitMix64(seed: 13)
        var matrices: [FloatMatrix] = []
        for _ in 0..<30 {
            let m = Int.random(in: 1...8, using: &generator), n = Int.random(in: 1...8, using: &generator)
            let r = Int.random(in: 1...min(m, n), using: &generator)
            matrices.append(FloatMatrix.testRandom(m, n, rank: r, &generator))
        }
        matrices += [FloatMatrix.testRandom(20, 50, &generator), FloatMatrix.testRandom(50, 50, rank: 30, &generator),
                     try FloatMatrix(zeros: 2, 3)]
        let expected = try LinalgOracle.run(matrices.map { LinalgOracle.line("nullspace", $0) })
        for (a, scipy) in zip(matrices, expected) {
            let basis = try a.nullspace()
            XCTAssertEqual(basis.rows, a.cols)
            XCTAssertEqual(Double(basis.cols), scipy.double, "null space dimension vs scipy for \(a.rows)×\(a.cols)")
            XCTAssertEqual(basis.cols, a.cols - (try a.rank()), "rank–nullity")
            if basis.cols == 0 { continue }
            try assertOrthonormalColumns(basis, "NᵀN")
            let image = try a.multiplied(by: basis)
            XCTAssertLessThanOrEqual(image.testMaxAbs, 1e-13 * max(1, a.testMaxAbs) * Double(a.cols), "A·N = 0")
        }
    }

    // MARK: - rref

    func testRREFExamples() throws {
        let (r, pivots) = matrix([[1, 2, 3], [4, 5, 6], [7, 8, 9]]).rref()
        XCTAssertEqual(pivots, [0, 1])
        assertMatrixClose(r, matrix([[1, 0, -1], [0, 1, 2], [0, 0, 0]]), "rref 3×3", against: false, tolerance: 1e-15)
        XCTAssertEqual(r[2, 0], 0)
        XCTAssertEqual(r[2, 2], 0, "residue below tolerance is exactly 0")

        let wide = matrix([[0, 0, 2, 4], [0, 3, 6, 9]]).rref()
        XCTAssertEqual(wide.pivots, [1, 2])
        XCTAssertEqual(wide.matrix, matrix([[0, 1, 0, -1], [0, 0, 1, 2]]))

        XCTAssertEqual(matrix([[0, 0], [0, 0]]).rref().pivots, [])
        XCTAssertEqual(try FloatMatrix.identity(3).rref().matrix, try FloatMatrix.identity(3))
        // A large tolerance makes the small entry count as zero.
        XCTAssertEqual(matrix([[1, 0], [0, 1e-6]]).rref(tolerance: 1e-3).pivots, [0])
    }

    /// For R = rref(A) with pivot columns P and rank r: A = A[:, P] · R[0..<r, :],
    /// and R[:, P] is the identity.
    func testRREFReconstructsRandomMatrices() throws {
        var generator = SplitMix64(seed: 14)
        for _ in 0..<40 {
            let m = Int.random(in: 1...8, using: &generator), n = Int.random(in: 1...8, using: &generator)
            let rank = Int.random(in: 1...min(m, n), using: &generator)
            let a = FloatMatrix.testRandom(m, n, rank: rank, &generator)
            let (r, pivots) = a.rref()
            XCTAssertEqual(pivots.count, rank)
            let top = r.testSubmatrix(rows: Array(0..<pivots.count), cols: Array(0..<n))
            XCTAssertEqual(r.testSubmatrix(rows: Array(0..<pivots.count), cols: pivots), try FloatMatrix.identity(rank))
            for i in pivots.count..<m { for j in 0..<n { XCTAssertEqual(r[i, j], 0, "zero rows below the pivots") } }
            let rebuilt = try a.testSubmatrix(rows: Array(0..<m), cols: pivots).multiplied(by: top)
            assertMatrixClose(rebuilt, a, "A[:, pivots]·R", against: false, tolerance: 1e-10)
        }
    }

    // MARK: - Errors and edge cases

    func testSingularMatrices() throws {
        let a = matrix([[1, 2], [2, 4]])
        assertThrows(.singular(rank: 1, size: 2), "inv") { () throws(EngineError) in try a.inverse() }
        assertThrows(.singular(rank: 1, size: 2), "solve") { () throws(EngineError) in try a.solve(matrix([[1], [2]])) }
        XCTAssertEqual(EngineError.singular(rank: 1, size: 2).message, "matrix is singular (rank 1 of 2)")
        XCTAssertEqual(try a.determinant(), 0)
        let zero = try FloatMatrix(zeros: 3, 3)
        assertThrows(.singular(rank: 0, size: 3), "inv of zeros") { () throws(EngineError) in try zero.inverse() }
        XCTAssertEqual(try zero.determinant(), 0)
        let rank2 = matrix([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
        do {
            _ = try rank2.inverse()  // LU may or may not meet an exact zero here; numpy returns huge entries
        } catch {
            XCTAssertEqual(error, .singular(rank: 2, size: 3))
        }
        // Singular but still factorable: lu, qr, svd, pinv, nullspace work.
        XCTAssertNoThrow(try a.lu())
        XCTAssertEqual(try a.nullspace().cols, 1)
        XCTAssertEqual(try a.rank(), 1)
    }

    func testNonSquareAndShapeErrors() throws {
        let a = matrix([[1, 2, 3], [4, 5, 6]])
        assertThrows(.notSquare(operation: "inv", rows: 2, cols: 3), "inv") { () throws(EngineError) in try a.inverse() }
        XCTAssertEqual(EngineError.notSquare(operation: "inv", rows: 2, cols: 3).message, "inv needs a square matrix, got 2×3")
        assertThrows(.notSquare(operation: "det", rows: 2, cols: 3), "det") { () throws(EngineError) in try a.determinant() }
        assertThrows(.notSquare(operation: "solve", rows: 2, cols: 3), "solve") { () throws(EngineError) in
            try a.solve(matrix([[1], [2]]))
        }
        assertThrows(.notSquare(operation: "eig", rows: 2, cols: 3), "eigh") { () throws(EngineError) in try a.symmetricEigen() }
        assertThrows(.notSquare(operation: "eig", rows: 2, cols: 3), "eig") { () throws(EngineError) in try a.eigenvalues() }
        let square = try FloatMatrix.identity(3)
        assertThrows(.shapeMismatch("cannot solve with a 3×3 matrix and a 2×1 right-hand side"), "solve shape") {
            () throws(EngineError) in try square.solve(matrix([[1], [2]]))
        }
        assertThrows(.invalidArgument("eig needs a symmetric matrix"), "not symmetric") { () throws(EngineError) in
            try matrix([[1, 2], [3, 4]]).symmetricEigen()
        }
        // Within the relative tolerance 1e-10 of the largest entry: accepted.
        XCTAssertNoThrow(try matrix([[1e6, 2], [2 + 1e-6, 4]]).symmetricEigen())
        assertThrows(.invalidArgument("eig needs a symmetric matrix"), "just outside") { () throws(EngineError) in
            try matrix([[1e6, 2], [2 + 1e-3, 4]]).symmetricEigen()
        }
        assertThrows(.invalidArgument("rank tolerance must be a non-negative number, got -1.0"), "rank tol") {
            () throws(EngineError) in try square.rank(tolerance: -1)
        }
        XCTAssertThrowsError(try square.pseudoInverse(rcond: .nan))
        XCTAssertThrowsError(try square.nullspace(tolerance: -1))
    }

    func testNonFiniteInputThrowsNumerical() throws {
        for bad in [Double.nan, .infinity, -.infinity] {
            let a = matrix([[1, 2], [bad, 4]])
            let calls: [(String, () throws(EngineError) -> Void)] = [
                ("inv", { () throws(EngineError) in _ = try a.inverse() }),
                ("det", { () throws(EngineError) in _ = try a.determinant() }),
                ("solve", { () throws(EngineError) in _ = try a.solve(self.matrix([[1], [2]])) }),
                ("solve rhs", { () throws(EngineError) in _ = try self.matrix([[1, 0], [0, 1]]).solve(self.matrix([[bad], [2]])) }),
                ("lu", { () throws(EngineError) in _ = try a.lu() }),
                ("qr", { () throws(EngineError) in _ = try a.qr() }),
                ("svd", { () throws(EngineError) in _ = try a.svd() }),
                ("svd", { () throws(EngineError) in _ = try a.singularValues() }),
                ("eig", { () throws(EngineError) in _ = try self.matrix([[1, bad], [bad, 1]]).symmetricEigen() }),
                ("eig", { () throws(EngineError) in _ = try a.eigenvalues() }),
                ("pinv", { () throws(EngineError) in _ = try a.pseudoInverse() }),
                ("norm", { () throws(EngineError) in _ = try a.norm(.two) }),
                ("cond", { () throws(EngineError) in _ = try a.conditionNumber() }),
                ("rank", { () throws(EngineError) in _ = try a.rank() }),
                ("nullspace", { () throws(EngineError) in _ = try a.nullspace() }),
            ]
            for (name, call) in calls {
                do {
                    try call()
                    XCTFail("\(name) accepted \(bad)")
                } catch {
                    guard case .numerical(let message) = error else { XCTFail("\(name): \(error)"); continue }
                    XCTAssertTrue(message.hasSuffix("has NaN or infinite entries"), message)
                    XCTAssertTrue(message.hasPrefix(name.split(separator: " ")[0] + ":"), message)
                }
            }
            // The entrywise norms pass NaN and infinity through, as numpy does.
            XCTAssertEqual(try a.norm(.one).isNaN, bad.isNaN)
            XCTAssertEqual(try a.norm(.frobenius).isNaN, bad.isNaN)
            // rref cannot throw; it must still finish.
            _ = a.rref()
        }
    }

    func testEmptyMatrices() throws {
        for (m, n) in [(0, 0), (0, 3), (3, 0)] {
            let a = try FloatMatrix(zeros: m, n)
            let k = min(m, n)
            let (u, s, v) = try a.svd()
            XCTAssertEqual([u.rows, u.cols, s.count, v.rows, v.cols], [m, k, 0, n, k])
            XCTAssertEqual(try a.singularValues(), [])
            let (q, r) = try a.qr()
            XCTAssertEqual([q.rows, q.cols, r.rows, r.cols], [m, k, k, n])
            let (p, l, uu) = try a.lu()
            XCTAssertEqual(p, try FloatMatrix.identity(m))
            XCTAssertEqual([l.rows, l.cols, uu.rows, uu.cols], [m, k, k, n])
            let pinv = try a.pseudoInverse()
            XCTAssertEqual([pinv.rows, pinv.cols], [n, m])
            for kind in [MatrixNorm.one, .two, .frobenius, .infinity] { XCTAssertEqual(try a.norm(kind), 0) }
            XCTAssertEqual(try a.rank(), 0)
            let nullspace = try a.nullspace()
            XCTAssertEqual(nullspace, try FloatMatrix.identity(n), "all of Rⁿ")
            XCTAssertEqual(a.rref().pivots, [])
            XCTAssertThrowsError(try a.conditionNumber())
        }
        let empty = try FloatMatrix(zeros: 0, 0)
        XCTAssertEqual(try empty.determinant(), 1)
        XCTAssertEqual(try empty.inverse(), empty)
        XCTAssertEqual(try empty.eigenvalues().count, 0)
        XCTAssertEqual(try empty.symmetricEigen().values, [])
        XCTAssertEqual(try empty.solve(try FloatMatrix(zeros: 0, 2)), try FloatMatrix(zeros: 0, 2))
        XCTAssertEqual(try FloatMatrix.identity(2).solve(try FloatMatrix(zeros: 2, 0)), try FloatMatrix(zeros: 2, 0))
        assertThrows(.invalidArgument("cond is not defined for an empty matrix"), "cond") { () throws(EngineError) in
            try empty.conditionNumber()
        }
    }

    func testHugeFiniteEntriesDoNotTrap() throws {
        let a = matrix([[1e308, -1e308], [1e308, 1e308]])
        _ = try? a.inverse()
        _ = try? a.determinant()
        _ = try? a.svd()
        _ = try? a.eigenvalues()
        _ = try? a.symmetricEigen()
        _ = try? a.conditionNumber()
        _ = try? a.nullspace()
        _ = a.rref()
        let tiny = matrix([[.leastNonzeroMagnitude, 0], [0, .leastNonzeroMagnitude]])
        _ = try? tiny.inverse()
        XCTAssertEqual(try tiny.rank(), 2)
    }
}
