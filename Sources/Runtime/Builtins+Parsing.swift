import Engine

extension Arguments {
    /// Argument i as completion text, or nil when it is nil — so
    /// `parse_matrix(tag(c, "answer"))` gives nil, not an error, when the tag is missing.
    func completionText(_ i: Int) throws(Unwind) -> String? {
        if isNil(i) { return nil }
        return try string(i)
    }
}

extension Builtins {
    /// tag, tags, parse_matrix, parse_matrix_error, parse_vector,
    /// parse_vector_error, parse_number, parse_number_error: reading answers
    /// out of model completions (Engine's `CompletionParser`). The parsers
    /// return nil on failure, never raise: a reward gives 0 for an answer it
    /// cannot read. The `_error` twins say why.
    static func parsing() -> [Builtin] {
        [
            Builtin("tag", [.required("text"), .required("name")],
                    help: """
                    The content of the last complete <name>...</name> in text, without surrounding whitespace; nil if there is none.

                    The last occurrence wins: models restate the format ("put the
                    answer in <answer></answer>") before answering, and the final
                    answer comes last. An unterminated tag (a truncated completion)
                    is skipped. Names are case-sensitive; tags have no attributes.
                    Nested tags of one name give the innermost content. A nil text
                    gives nil.
                      tag("<answer> 42 </answer>", "answer")                  # "42"
                      tag("<answer>x</answer> then <answer>y</answer>", "answer")  # "y"
                      tag("<answer>x</answer> <answer>cut off", "answer")     # "x"
                      tag("no tags here", "answer")                           # nil
                    """) { args throws(Unwind) in
                let name = try args.string(1)
                guard CompletionParser.isValidTagName(name) else {
                    throw args.fail("'\(name)' is not a tag name (a letter or '_', then letters, digits, '_', '-', '.', ':')")
                }
                guard let text = try args.completionText(0) else { return .nil }
                return CompletionParser.tag(text, name).map { .string($0) } ?? .nil
            },
            Builtin("tags", [.required("text")],
                    help: """
                    Every complete <name>...</name> pair in text as records {name, content}, in the order they open.

                    Nested pairs are all listed (a <think> around an <answer> gives
                    both). A close tag pairs with the nearest open tag of its name;
                    unterminated tags and stray close tags are left out. Use it for
                    format rewards: which tags, in what order, how many.
                      len(tags("<think>a</think><answer>b</answer>"))       # 2
                      tags("<think>a</think><answer>b</answer>")[1].name    # "answer"
                      tags("<a><b>1</b></a>")[1].content                   # "1"
                      tags("<answer>unterminated")                         # []
                    """) { args throws(Unwind) in
                guard let text = try args.completionText(0) else { return .list([]) }
                return .list(CompletionParser.tags(text).map {
                    .record([("name", .string($0.name)), ("content", .string($0.content))])
                })
            },
            Builtin("parse_matrix", [.required("text")],
                    help: """
                    The last matrix written in text, or nil; parse_matrix_error(text) says why not.

                    Reads Python lists [[1, 2], [3, 4]] (also inside numpy array(...)
                    and as numpy prints them, [[1 2] [3 4]]), Pivot/MATLAB [1 2; 3 4],
                    one row [1, 2, 3], [[[...]]] around one matrix, and LaTeX bmatrix,
                    pmatrix, Bmatrix, matrix, smallmatrix and array environments
                    (& between entries, \\\\ between rows), alone or inside a sentence.
                    When several appear, the last wins; if it is malformed the result
                    is nil — an earlier matrix is never used instead. Entries are
                    integers, decimals, scientific notation, fractions, \\frac{a}{b},
                    and + - * / with parentheses (e.g. -176/66*1 or (-484/66)/1);
                    the Unicode minus sign counts as '-'. Integers and fractions give
                    an exact matrix; any decimal or exponent makes it a float matrix.
                    nan, inf, 1/0, other Unicode look-alikes, ragged rows and brackets
                    nested more than 3 deep give nil. A nil text gives nil.
                      parse_matrix("The inverse is [[1, -1], [-1, 2]].")   # [1 -1; -1 2]
                      parse_matrix("array([[0.5, 0], [0, 2]])")            # [0.5 0.0; 0.0 2.0]
                      parse_matrix("[1 2; 3 4]")                           # [1 2; 3 4]
                      parse_matrix("[[-176/66*1, (-484/66)/1]]")           # [-8/3 -22/3]
                      parse_matrix(r"\\begin{bmatrix} 1 & \\frac{1}{2} \\\\ 0 & 1 \\end{bmatrix}")  # [1 1/2; 0 1]
                      parse_matrix("[[1, 2], [3]]")                        # nil
                    """) { args throws(Unwind) in
                guard let text = try args.completionText(0) else { return .nil }
                switch CompletionParser.parseMatrix(text) {
                case .success(let m): return .matrix(m)
                case .failure: return .nil
                }
            },
            Builtin("parse_matrix_error", [.required("text")],
                    help: """
                    Why parse_matrix(text) gives nil, as a message; nil when it parses.

                    Entry positions are 0-based (row, column), as A[i, j] indexes;
                    text positions are line:column.
                      parse_matrix_error("[[1, 2], [3, 4]]")        # nil
                      parse_matrix_error("[[1, 2], [3, 4, 5]]")     # "row 2 has 3 entries, row 1 has 2"
                      parse_matrix_error("[[1, 1/0]]")              # "division by zero in entry (0, 1)"
                      parse_matrix_error("[[1, nan]]")              # "entry (0, 1) is not a finite number (nan)"
                      parse_matrix_error("I cannot compute it.")    # "no matrix found"
                      parse_matrix_error(nil)                       # "no text (nil)"
                    """) { args throws(Unwind) in
                guard let text = try args.completionText(0) else { return .string("no text (nil)") }
                switch CompletionParser.parseMatrix(text) {
                case .success: return .nil
                case .failure(let error): return .string(error.message)
                }
            },
            Builtin("parse_vector", [.required("text")],
                    help: """
                    The last vector written in text as a list of numbers, or nil.

                    Any format parse_matrix reads, with one row or one column:
                    [1, 2, 3], [1; 2; 3], [[1], [2], [3]], a bmatrix column. Exact
                    unless an entry is a decimal (then all are floats).
                    parse_vector_error(text) says why it gives nil.
                      parse_vector("x = [1, -2, 3/4]")     # [1, -2, 3/4]
                      parse_vector("[1; 2; 3]")            # [1, 2, 3]
                      parse_vector("[[1, 2], [3, 4]]")     # nil
                    """) { args throws(Unwind) in
                guard let text = try args.completionText(0) else { return .nil }
                switch CompletionParser.parseVector(text) {
                case .success(let entries): return .list(entries.map { Value($0) })
                case .failure: return .nil
                }
            },
            Builtin("parse_vector_error", [.required("text")],
                    help: """
                    Why parse_vector(text) gives nil, as a message; nil when it parses.

                      parse_vector_error("[1, 2]")             # nil
                      parse_vector_error("[[1, 2], [3, 4]]")   # "expected a vector (one row or one column), got a 2×2 matrix"
                    """) { args throws(Unwind) in
                guard let text = try args.completionText(0) else { return .string("no text (nil)") }
                switch CompletionParser.parseVector(text) {
                case .success: return .nil
                case .failure(let error): return .string(error.message)
                }
            },
            Builtin("parse_number", [.required("text")],
                    help: """
                    The last number written in text, or nil.

                    The arithmetic around the text's last digit: integers, decimals,
                    scientific notation, fractions, \\frac{a}{b}, + - * / and
                    parentheses, without a sentence's final '.'. Integers and
                    fractions are exact, decimals floats. nan, inf and 1/0 give nil;
                    parse_number_error(text) says why.
                      parse_number("The determinant is -3/4.")   # -3/4
                      parse_number("1.5e3")                      # 1500.0
                      parse_number(r"$\\frac{-1}{2}$")            # -1/2
                      parse_number("none")                       # nil
                    """) { args throws(Unwind) in
                guard let text = try args.completionText(0) else { return .nil }
                switch CompletionParser.parseNumber(text) {
                case .success(let scalar): return Value(scalar)
                case .failure: return .nil
                }
            },
            Builtin("parse_number_error", [.required("text")],
                    help: """
                    Why parse_number(text) gives nil, as a message; nil when it parses.

                      parse_number_error("-3")       # nil
                      parse_number_error("1/0")      # "division by zero in the number"
                      parse_number_error("nan")      # "not a finite number (nan)"
                    """) { args throws(Unwind) in
                guard let text = try args.completionText(0) else { return .string("no text (nil)") }
                switch CompletionParser.parseNumber(text) {
                case .success: return .nil
                case .failure(let error): return .string(error.message)
                }
            },
        ]
    }
}
