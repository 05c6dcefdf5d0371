/// A matrix as the language sees it: exact (integers and rationals, exact
/// arithmetic) or float (Float64 through OpenBLAS/LAPACK). Mixing the two
/// gives float, as mixing exact and float numbers does.
public enum Matrix: Sendable {
    case exact(ExactMatrix)
    case float(FloatMatrix)

    public var rows: Int {
        switch self {
        case .exact(let m): return m.rows
        case .float(let m): return m.rows
        }
    }

    public var cols: Int {
        switch self {
        case .exact(let m): return m.cols
        case .float(let m): return m.cols
        }
    }

    public var isExact: Bool { if case .exact = self { return true } else { return false } }
    public var isSquare: Bool { rows == cols }
    public var count: Int { rows * cols }

    /// The Float64 version (a copy for exact matrices).
    public var floatMatrix: FloatMatrix {
        switch self {
        case .exact(let m): return m.floatMatrix
        case .float(let m): return m
        }
    }

    public var transposed: Matrix {
        switch self {
        case .exact(let m): return .exact(m.transposed)
        case .float(let m): return .float(m.transposed)
        }
    }

    public func entry(_ i: Int, _ j: Int) -> Scalar {
        switch self {
        case .exact(let m): return .exact(m[i, j])
        case .float(let m): return .float(m[i, j])
        }
    }

    public var shapeText: String { "\(rows)×\(cols)" }

    // MARK: - Arithmetic

    public static func add(_ a: Matrix, _ b: Matrix) throws(EngineError) -> Matrix {
        switch (a, b) {
        case (.exact(let x), .exact(let y)): return .exact(try x.zipWith(y, "add") { $0 + $1 })
        default: return .float(try a.floatMatrix.zipWith(b.floatMatrix, "add", +))
        }
    }

    public static func subtract(_ a: Matrix, _ b: Matrix) throws(EngineError) -> Matrix {
        switch (a, b) {
        case (.exact(let x), .exact(let y)): return .exact(try x.zipWith(y, "subtract") { $0 - $1 })
        default: return .float(try a.floatMatrix.zipWith(b.floatMatrix, "subtract", -))
        }
    }

    /// The matrix product.
    public static func multiply(_ a: Matrix, _ b: Matrix) throws(EngineError) -> Matrix {
        switch (a, b) {
        case (.exact(let x), .exact(let y)): return .exact(try x.multiplied(by: y))
        default: return .float(try a.floatMatrix.multiplied(by: b.floatMatrix))
        }
    }

    /// Entrywise product `.*`.
    public static func elementMultiply(_ a: Matrix, _ b: Matrix) throws(EngineError) -> Matrix {
        switch (a, b) {
        case (.exact(let x), .exact(let y)): return .exact(try x.zipWith(y, "multiply entrywise") { $0 * $1 })
        default: return .float(try a.floatMatrix.zipWith(b.floatMatrix, "multiply entrywise", *))
        }
    }

    /// Entrywise quotient `./`; exact division by a zero entry is an error,
    /// float division follows IEEE (inf, nan).
    public static func elementDivide(_ a: Matrix, _ b: Matrix) throws(EngineError) -> Matrix {
        switch (a, b) {
        case (.exact(let x), .exact(let y)):
            return .exact(try x.zipWith(y, "divide entrywise") { (p, q) throws(EngineError) in try p.dividing(by: q) })
        default: return .float(try a.floatMatrix.zipWith(b.floatMatrix, "divide entrywise", /))
        }
    }

    public func negated() -> Matrix {
        switch self {
        case .exact(let m): return .exact(ExactMatrix(rows: m.rows, cols: m.cols, entries: m.entries.map { -$0 }))
        case .float(let m): return .float(m.map { -$0 })
        }
    }

    /// Every entry times a scalar (on either side: scalars commute).
    public func scaled(by s: Scalar) -> Matrix {
        switch (self, s) {
        case (.exact(let m), .exact(let c)):
            return .exact(ExactMatrix(rows: m.rows, cols: m.cols, entries: m.entries.map { $0 * c }))
        default:
            let c = s.doubleValue
            return .float(floatMatrix.map { $0 * c })
        }
    }

    /// Every entry divided by a scalar.
    public func divided(by s: Scalar) throws(EngineError) -> Matrix {
        switch (self, s) {
        case (.exact(let m), .exact(let c)):
            if c.isZero { throw EngineError.divisionByZero }
            return .exact(try m.map { (e) throws(EngineError) in try e.dividing(by: c) })
        default:
            let c = s.doubleValue
            return .float(floatMatrix.map { $0 / c })
        }
    }

    /// A scalar divided by every entry (`s ./ A`).
    public func dividing(_ s: Scalar) throws(EngineError) -> Matrix {
        switch (self, s) {
        case (.exact(let m), .exact(let c)):
            return .exact(try m.map { (e) throws(EngineError) in try c.dividing(by: e) })
        default:
            let c = s.doubleValue
            return .float(floatMatrix.map { c / $0 })
        }
    }

    /// Integer powers; negative ones through the inverse.
    public func power(_ k: Int) throws(EngineError) -> Matrix {
        guard isSquare else { throw EngineError.notSquare(operation: "^", rows: rows, cols: cols) }
        switch self {
        case .exact(let m):
            let base = k < 0 ? try m.inverse() : m
            return .exact(try base.power(k.magnitude))
        case .float(let m):
            var base = k < 0 ? try m.inverse() : m
            var result = try FloatMatrix.identity(rows)
            var e = k.magnitude
            while e > 0 {
                if e & 1 == 1 { result = try result.multiplied(by: base) }
                e >>= 1
                if e > 0 { base = try base.multiplied(by: base) }
            }
            return .float(result)
        }
    }

    /// Exact equality: same shape, equal entries (exact against float by
    /// exact value, so `[1 2] == [1.0 2.0]`, as `1 == 1.0`).
    public static func == (a: Matrix, b: Matrix) -> Bool {
        guard a.rows == b.rows && a.cols == b.cols else { return false }
        switch (a, b) {
        case (.exact(let x), .exact(let y)): return x.entries == y.entries
        case (.float(let x), .float(let y)): return x.entries == y.entries
        case (.exact(let x), .float(let y)), (.float(let y), .exact(let x)):
            for k in x.entries.indices {
                guard let q = Rational(exactly: y.entries[k]), Exact(q) == x.entries[k] else { return false }
            }
            return true
        }
    }
}

/// A matrix entry or a scalar operand: exact or Float64.
public enum Scalar: Sendable, Equatable {
    case exact(Exact)
    case float(Double)

    public var doubleValue: Double {
        switch self {
        case .exact(let e): return e.doubleValue
        case .float(let d): return d
        }
    }
}
