import Engine
import Foundation

/// Plots as text: the terminal's size, gnuplot's `dumb` output tidied, and
/// heatmaps drawn in shade characters (gnuplot's dumb terminal draws
/// images only in colour).
enum PlotText {
    /// Columns and rows of the terminal on stdout; nil when it is not one.
    static func windowSize() -> (cols: Int, rows: Int)? {
        guard isatty(STDOUT_FILENO) != 0 else { return nil }
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 {
            return (Int(size.ws_col), Int(size.ws_row))
        }
        let env = ProcessInfo.processInfo.environment
        if let c = env["COLUMNS"].flatMap(Int.init), let r = env["LINES"].flatMap(Int.init), c > 0, r > 0 { return (c, r) }
        return (80, 24)
    }

    /// The size of a text plot in a window of `cols`×`rows`: the full
    /// width, and a height that leaves room for the prompt and keeps the
    /// plot from being taller than wide (characters are twice as tall).
    static func plotSize(window: (cols: Int, rows: Int)) -> (cols: Int, rows: Int) {
        let cols = min(max(window.cols - 1, 20), 400)
        let rows = min(max(min(window.rows - 3, cols / 2), 8), 60)
        return (cols, rows)
    }

    /// gnuplot's dumb output without trailing blanks, blank leading and
    /// trailing lines (and form feeds), ending in one newline.
    static func tidy(_ raw: String) -> String {
        var lines = raw.replacingOccurrences(of: "\u{0C}", with: "")
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { line -> String in
                var s = Substring(line)
                while let last = s.last, last == " " || last == "\r" { s = s.dropLast() }
                return String(s)
            }
        while let first = lines.first, isBlank(first) { lines.removeFirst() }
        while let last = lines.last, isBlank(last) { lines.removeLast() }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    /// Blank, ignoring colour escapes.
    static func isBlank(_ line: String) -> Bool {
        var inEscape = false
        for c in line.unicodeScalars {
            if inEscape { if c == "m" { inEscape = false }; continue }
            if c == "\u{1B}" { inEscape = true; continue }
            if c != " " { return false }
        }
        return true
    }

    /// A number for a legend: whole numbers without ".0", others to 4 digits.
    static func short(_ d: Double) -> String {
        if d == d.rounded() && abs(d) < 1e15 { return String(Int(d)) }
        return formatFloat(d, significantDigits: 4)
    }

    /// Light to dark.
    static let shades = Array(" .:-=+*#%@")

    /// A heatmap in shade characters fitting `cols`×`rows`: each cell is
    /// two characters wide (one row high) when it fits, and cells are
    /// averaged into blocks when the matrix is bigger than the space.
    static func heatmap(_ map: Heatmap, title: String?, cols: Int, rows: Int) -> String {
        var finite = map.values.filter(\.isFinite)
        if map.logScale { finite = finite.filter { $0 > 0 }.map(log10) }
        let lo = finite.min() ?? 0, hi = finite.max() ?? 0
        let labelWidth = String(map.rows - 1).count + 1
        let width = max(1, min(map.cols, (cols - labelWidth - 2) / 2))
        let height = max(1, min(map.rows, rows - 4))
        var out = ""
        if let title, !title.isEmpty { out += title + "\n" }
        out += String(repeating: " ", count: labelWidth) + "+" + String(repeating: "-", count: 2 * width) + "+\n"
        for r in 0..<height {
            let i0 = r * map.rows / height, i1 = max(i0 + 1, (r + 1) * map.rows / height)
            let label = i1 - i0 == 1 || r == 0 ? String(i0) : ""
            out += String(repeating: " ", count: labelWidth - label.count - 1) + label + " |"
            for c in 0..<width {
                let j0 = c * map.cols / width, j1 = max(j0 + 1, (c + 1) * map.cols / width)
                var sum = 0.0, count = 0
                for i in i0..<i1 { for j in j0..<j1 {
                    var v = map[i, j]
                    if map.logScale { v = v > 0 ? log10(v) : .nan }
                    if v.isFinite { sum += v; count += 1 }
                } }
                let ch: Character
                if count == 0 { ch = "?" } else {
                    var t = hi > lo ? (sum / Double(count) - lo) / (hi - lo) : 0.5
                    if !t.isFinite { t = 0.5 }  // entries near ±Double.greatestFiniteMagnitude overflow
                    ch = shades[min(shades.count - 1, max(0, Int((t * Double(shades.count - 1)).rounded())))]
                }
                out.append(ch); out.append(ch)
            }
            out += "|\n"
        }
        out += String(repeating: " ", count: labelWidth) + "+" + String(repeating: "-", count: 2 * width) + "+\n"
        let low = map.logScale ? pow(10, lo) : lo, high = map.logScale ? pow(10, hi) : hi
        out += "\(map.rows)×\(map.cols), '\(shades[0])' = \(short(low)) ... '\(shades.last!)' = \(short(high))"
        if finite.count < map.values.count { out += ", '?' = not a number" }
        return out + "\n"
    }
}
