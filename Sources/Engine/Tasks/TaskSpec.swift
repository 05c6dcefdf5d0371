/// What a task asks: one operation of linear algebra on a generated matrix.
public enum TaskOperation: String, CaseIterable, Sendable {
    case transpose, add, multiply, matvec, trace, determinant, inverse, rref, rank, solve, nullspace
    case eigenvalues
    case singularValues = "singular_values"

    /// Needs an invertible input (a singular draw has no answer).
    var needsInvertible: Bool { self == .inverse || self == .solve }

    /// Asked of matrices of every rank (see `TaskSpec.lowRank`).
    var wantsRankDeficient: Bool { self == .rref || self == .rank || self == .nullspace }

    /// The words of the chat prompt: "Compute the inverse of ...".
    public var phrase: String {
        switch self {
        case .transpose: return "the transpose of"
        case .add: return "the sum A + B of"
        case .multiply: return "the matrix product A·B of"
        case .matvec: return "the product A·v of"
        case .trace: return "the trace of"
        case .determinant: return "the determinant of"
        case .inverse: return "the inverse of"
        case .rref: return "the reduced row echelon form of"
        case .rank: return "the rank of"
        case .solve: return "the solution x of A·x = b for"
        case .nullspace: return "a basis of the null space (as the columns of a matrix) of"
        case .eigenvalues: return "the eigenvalues (ascending) of the symmetric matrix"
        case .singularValues: return "the singular values (descending) of"
        }
    }

    /// The short name of the compact format: `inv [[2,1],[3,4]]`.
    var shortName: String {
        switch self {
        case .transpose: return "T"
        case .add: return "add"
        case .multiply: return "mul"
        case .matvec: return "matvec"
        case .trace: return "tr"
        case .determinant: return "det"
        case .inverse: return "inv"
        case .rref: return "rref"
        case .rank: return "rank"
        case .solve: return "solve"
        case .nullspace: return "null"
        case .eigenvalues: return "eig"
        case .singularValues: return "svals"
        }
    }
}

/// The shape of the generated matrices — the axis an easy-to-hard
/// curriculum moves along.
public enum MatrixKind: String, CaseIterable, Sendable {
    case random, diagonal, triangular, unimodular, symmetric
    case nearIdentity = "near_identity"
    case wellConditioned = "well_conditioned"
}

/// How an example is written for the model.
public enum TaskFormat: String, CaseIterable, Sendable {
    /// A system prompt asking for <reasoning>…</reasoning><answer>…</answer>
    /// (the seed experiment's format) and a sentence with the matrix.
    case chat
    /// Short, for small models: `inv [[2,1],[3,4]]` -> `[[4/5,-1/5],[-3/5,2/5]]`.
    case compact
    /// Charton's number encodings ("Linear algebra with transformers", 2021).
    case p10, p1000, fp15
}

/// A task generator: operation, sizes, entries, kind and format. Sampling
/// is deterministic: the same seed gives the same example on every machine.
public struct TaskSpec: Sendable {
    public var operation: TaskOperation
    public var sizes: ClosedRange<Int>
    public var entries: EntryDistribution
    public var kind: MatrixKind
    /// Bound on the 2-norm condition number (well_conditioned; 10 if unset).
    public var maxCond: Double?
    public var format: TaskFormat

    public static let maxSize = 12

    public init(_ operation: TaskOperation, sizes: ClosedRange<Int> = 2...2, entries: EntryDistribution = .standard,
                kind: MatrixKind? = nil, maxCond: Double? = nil, format: TaskFormat = .chat) throws(EngineError) {
        guard sizes.lowerBound >= 1, sizes.upperBound <= TaskSpec.maxSize else {
            throw EngineError.invalidArgument(
                "size must be between 1 and \(TaskSpec.maxSize), got \(sizes.lowerBound == sizes.upperBound ? "\(sizes.lowerBound)" : "\(sizes.lowerBound)..\(sizes.upperBound)")")
        }
        // Eigenvalues are asked of symmetric matrices (real, and what eig computes).
        let chosen = kind ?? (operation == .eigenvalues ? .symmetric : (maxCond != nil ? .wellConditioned : .random))
        if operation == .eigenvalues && chosen != .symmetric && chosen != .diagonal {
            throw EngineError.invalidArgument("an eigenvalues task needs kind \"symmetric\" or \"diagonal\", got \"\(chosen.rawValue)\"")
        }
        if chosen == .unimodular, case .uniform = entries {
            throw EngineError.invalidArgument("unimodular matrices have integer entries; give entries as a range like -9..9")
        }
        if let maxCond, !(maxCond >= 1) {
            throw EngineError.invalidArgument("max_cond must be at least 1, got \(maxCond)")
        }
        self.operation = operation
        self.sizes = sizes
        self.entries = entries
        self.kind = chosen
        self.maxCond = maxCond
        self.format = format
    }

    /// The task's name as examples record it ("inverse").
    public var name: String { operation.rawValue }
}
