/// Reads answers out of model completions: the content of tags, and
/// matrices, vectors and numbers written the ways models write them.
///
/// Adversarial input is the normal case. Every function here is one or two
/// passes over the UTF-8 bytes (linear time; a 1 MB completion takes a few
/// milliseconds in a release build), recursion is bounded, literal sizes and
/// exact results are bounded, and nothing traps: failures are
/// `CompletionParseError` values.
///
/// Decisions a reward author should know:
/// - `tag` takes the *last* complete `<name>…</name>`: models restate the
///   format ("put your answer in <answer></answer>") before answering, and
///   the final answer comes last.
/// - `parseMatrix` reads the *last* matrix-looking span in the text (a
///   `[...]` group holding a digit, or a LaTeX matrix environment), so the
///   answer after a worked example wins; when that span does not parse, the
///   result is its error — an earlier, intermediate matrix is never used.
/// - Integers, fractions and arithmetic on them give exact entries;
///   decimals and scientific notation give Float64 entries, and one float
///   entry makes the whole matrix float (as in the language).
/// - nan, inf, overflow and division by zero are errors, never values: a
///   reward must not see NaN.
public enum CompletionParser {
    /// Digits allowed in one literal: 400-digit numbers parse, 10^6-digit ones are refused after one scan.
    public static let maxDigits = 1000
    /// Bits allowed in an exact entry's numerator or denominator.
    public static let maxBits = 4096
    /// Parentheses, braces and `\frac` nest at most this deep in one entry.
    public static let maxParenthesisDepth = 64
    /// `[[[1, 2], [3, 4]]]` (one matrix in a batch) is the deepest a matrix is written.
    public static let maxBracketDepth = 3
    /// Names of the LaTeX environments read as matrices.
    static let matrixEnvironments: Set<String> = ["bmatrix", "pmatrix", "Bmatrix", "matrix", "smallmatrix", "array"]
}
