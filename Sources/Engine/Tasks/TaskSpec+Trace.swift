// Worked solutions for SFT warm-up: the steps a person would write, then
// the answer. Row operations are Gauss-Jordan's, in exact arithmetic; float
// tasks get the answer alone (their steps would be rounding noise).

extension TaskSpec {
    func trace(_ e: TaskExample) -> String {
        var steps: [String] = []
        if case .exact(let a) = e.matrix {
            switch operation {
            case .inverse:
                if let x = try? ExactMatrix.identity(a.rows), let joined = try? a.hcat(x) {
                    steps = TaskSpec.gaussJordanSteps(joined, pivotColumns: a.cols, what: "[A | I]")
                    steps.append("The right half is the inverse.")
                }
            case .rref, .rank, .nullspace:
                steps = TaskSpec.gaussJordanSteps(a, pivotColumns: a.cols, what: "A")
                if operation == .rank { steps.append("The number of nonzero rows is the rank.") }
                if operation == .nullspace { steps.append("Each free column gives one basis vector of the null space.") }
            case .solve:
                if case .exact(let b)? = e.operand, let joined = try? a.hcat(b) {
                    steps = TaskSpec.gaussJordanSteps(joined, pivotColumns: a.cols, what: "[A | b]")
                    steps.append("The last column is x.")
                }
            case .determinant:
                steps = TaskSpec.determinantSteps(a)
            case .trace:
                steps = ["trace = " + (0..<a.rows).map { a[$0, $0].description }.joined(separator: " + ")]
            case .transpose:
                steps = ["Row i of A becomes column i of the answer."]
            case .add:
                if case .exact(let b)? = e.operand {
                    steps = (0..<a.rows).map { i in
                        "row \(i + 1): " + (0..<a.cols).map { j in "\(a[i, j]) + \(b[i, j])" }.joined(separator: ", ")
                    }
                }
            case .multiply, .matvec:
                if case .exact(let b)? = e.operand {
                    for i in 0..<a.rows {
                        for j in 0..<b.cols {
                            let terms = (0..<a.cols).map { k in "\(a[i, k])·\(b[k, j])" }.joined(separator: " + ")
                            let value = (0..<a.cols).reduce(Exact.zero) { $0 + a[i, $1] * b[$1, j] }
                            steps.append("entry (\(i + 1), \(j + 1)) = \(terms) = \(value)")
                        }
                    }
                }
            case .eigenvalues, .singularValues:
                break
            }
        }
        let body = steps.joined(separator: "\n")
        switch format {
        case .chat:
            return "<reasoning>\n\(body)\n</reasoning>\n<answer>\n\(e.answerText)\n</answer>"
        default:
            return body.isEmpty ? e.answerText : body + "\n" + e.answerText
        }
    }

    static func rowsText(_ m: ExactMatrix) -> String {
        "[" + (0..<m.rows).map { i in
            "[" + (0..<m.cols).map { m[i, $0].description }.joined(separator: ", ") + "]"
        }.joined(separator: ", ") + "]"
    }

    /// Gauss-Jordan with the row operations written out (rows numbered from 1).
    static func gaussJordanSteps(_ start: ExactMatrix, pivotColumns: Int, what: String) -> [String] {
        var m = start
        var steps = ["Start from \(what) = \(rowsText(m))."]
        var r = 0
        for c in 0..<pivotColumns where r < m.rows {
            guard let p = (r..<m.rows).first(where: { !m[$0, c].isZero }) else { continue }
            if p != r {
                m.swapRows(p, r)
                steps.append("Swap R\(p + 1) and R\(r + 1).")
            }
            let pivot = m[r, c]
            if pivot != .one, let inverse = try? Exact.one.dividing(by: pivot) {
                m.scaleRow(r, by: inverse)
                steps.append("R\(r + 1) = R\(r + 1) · \(inverse.description).")
            }
            for i in 0..<m.rows where i != r && !m[i, c].isZero {
                let factor = m[i, c]
                m.addRow(i, multiple: -factor, of: r)
                let sign = factor.sign < 0 ? "+" : "-"
                steps.append("R\(i + 1) = R\(i + 1) \(sign) \(factor.magnitude.description)·R\(r + 1).")
            }
            steps.append("Now \(rowsText(m)).")
            r += 1
        }
        return steps
    }

    /// Elimination to upper triangular form, then the product of the diagonal.
    static func determinantSteps(_ start: ExactMatrix) -> [String] {
        var m = start
        var steps = ["Start from A = \(rowsText(m))."]
        var negate = false
        for c in 0..<m.cols {
            guard let p = (c..<m.rows).first(where: { !m[$0, c].isZero }) else {
                steps.append("Column \(c + 1) has no pivot: the determinant is 0.")
                return steps
            }
            if p != c {
                m.swapRows(p, c)
                negate.toggle()
                steps.append("Swap R\(p + 1) and R\(c + 1) (the sign changes).")
            }
            for i in (c + 1)..<max(c + 1, m.rows) where !m[i, c].isZero {
                guard let factor = try? m[i, c].dividing(by: m[c, c]) else { continue }
                m.addRow(i, multiple: -factor, of: c)
                let sign = factor.sign < 0 ? "+" : "-"
                steps.append("R\(i + 1) = R\(i + 1) \(sign) \(factor.magnitude.description)·R\(c + 1).")
            }
        }
        steps.append("Upper triangular: \(rowsText(m)).")
        let diagonal = (0..<m.rows).map { m[$0, $0].description }.joined(separator: " · ")
        steps.append("det = \(negate ? "-(" + diagonal + ")" : diagonal)")
        return steps
    }
}
