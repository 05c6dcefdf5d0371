import Foundation

/// The gnuplot script that draws a `PlotSpec` on one output. Data goes
/// inline as datablocks (`$s0 << EOD ... EOD`), so nothing is written to
/// disk but the image itself. Every text a user gave (titles, labels, file
/// names) is single-quoted: gnuplot runs backquoted shell commands inside
/// double quotes, never inside single ones.
enum PlotScript {
    static func make(_ spec: PlotSpec, for output: PlotOutput) -> String {
        var s = terminal(output)
        s += "set encoding utf8\n"
        if let title = spec.title { s += "set title \(quote(title))\n" }
        if let xlabel = spec.xlabel { s += "set xlabel \(quote(xlabel))\n" }
        // Text cannot turn a label on its side: dumb drops the y label, and
        // would write the y2 label across the curves (the key says "(right)").
        if let ylabel = spec.ylabel, output.isImage { s += "set ylabel \(quote(ylabel))\n" }
        switch spec.content {
        case .curves(let series, let marks):
            curves(series, marks: marks, spec, output, into: &s)
        case .heatmap(let map):
            heatmap(map, spec, output, into: &s)
        }
        return s
    }

    static func terminal(_ output: PlotOutput) -> String {
        switch output {
        case .text(let cols, let rows, let color):
            // nofeed: no form feed before the plot; ansi256: coloured curves in a terminal.
            return "set terminal dumb size \(cols),\(rows) nofeed noenhanced \(color ? "ansi256" : "mono")\n"
        case .png(let path, let width, let height):
            return "set terminal pngcairo size \(width),\(height) noenhanced font 'Sans,10'\nset output \(quote(path))\n"
        case .svg(let path, let width, let height):
            return "set terminal svg size \(width),\(height) noenhanced font 'Sans,10' background '#ffffff'\nset output \(quote(path))\n"
        case .sixel(let width, let height):
            return "set terminal sixelgd size \(width),\(height) truecolor noenhanced font 'Sans,10'\n"
        }
    }

    // MARK: - curves

    static func curves(_ series: [PlotSeries], marks: [StageMark], _ spec: PlotSpec, _ output: PlotOutput, into s: inout String) {
        let hasY2 = series.contains(where: \.onY2)
        if hasY2 {
            s += "set ytics nomirror\nset y2tics\n"
            if let y2 = spec.y2label, output.isImage { s += "set y2label \(quote(y2))\n" }
        }
        if spec.logX { s += "set logscale x\n" }
        if spec.logY { s += "set logscale y\n" + (hasY2 ? "set logscale y2\n" : "") }
        s += "set xrange \(range(spec.xrange))\n"
        // Autoscaling would put a flat or extreme curve on the border, where it cannot be seen.
        s += "set yrange \(range(padded(series.filter { !$0.onY2 }, spec.yrange, log: spec.logY)))\n"
        if hasY2 { s += "set y2range \(range(padded(series.filter(\.onY2), (nil, nil), log: spec.logY)))\n" }
        if output.isImage { s += "set grid lt 1 lc rgb '#dddddd' lw 1\n" }
        // A few steps: whole numbers only.
        let xs = series.flatMap { $0.x.filter(\.isFinite) }
        if let lo = xs.min(), let hi = xs.max(), hi - lo <= 12, !spec.logX, xs.allSatisfy({ $0 == $0.rounded() }) {
            s += "set xtics 1\n"
        }
        let titled = series.count > 1
        if spec.showLegend && titled {
            s += "set key \(spec.legend ?? "below center horizontal")\(output.isImage && spec.legend != nil ? " opaque" : "")\n"
        } else {
            s += "unset key\n"
        }
        for mark in marks {
            let color = mark.color.map(PlotPalette.color) ?? "#888888"
            // dumb rounds "graph 1" up past the top border: stop just short of it.
            let top = output.isImage ? "1" : "0.98"
            s += "set arrow from \(number(mark.x)), graph 0 to \(number(mark.x)), graph \(top) nohead dt 2 lc rgb '\(color)' back\n"
            s += "set label \(quote(mark.label)) at \(number(mark.x)), graph \(output.isImage ? "0.96" : "0.92") left offset char 0.5 tc rgb '\(mark.color == nil ? "#555555" : color)' front\n"
        }
        for (k, curve) in series.enumerated() {
            datablock("$s\(k)", curve.x, curve.y, into: &s)
            if output.isImage, let raw = curve.raw { datablock("$r\(k)", curve.x, raw, into: &s) }
        }
        var items: [String] = []
        if output.isImage {
            for (k, curve) in series.enumerated() where curve.raw != nil {
                items.append("$r\(k) using 1:2 axes x1\(curve.onY2 ? "y2" : "y1") with lines lc rgb '\(PlotPalette.faint(curve.color))' lw 1 notitle")
            }
        }
        for (k, curve) in series.enumerated() {
            var item = "$s\(k) using 1:2 axes x1\(curve.onY2 ? "y2" : "y1") with \(spec.style.rawValue)"
            // In text, the line type picks the character a curve is drawn with.
            item += " lt \(k + 1) lc rgb '\(PlotPalette.color(curve.color))'"
            if output.isImage {
                item += " dt \(curve.dash)"
                switch spec.style {
                case .points: item += " pt 7 ps 0.6"
                case .linespoints: item += " lw 1.5 pt 7 ps 0.6"
                default: item += " lw 1.5"
                }
            }
            item += titled ? " title \(quote(curve.label))" : " notitle"
            items.append(item)
        }
        s += "plot " + items.joined(separator: ", \\\n     ") + "\n"
    }

    /// The range of the curves' values with 5% to spare on each side (in
    /// log space on a log axis); bounds the user gave stay as they are.
    static func padded(_ series: [PlotSeries], _ given: (Double?, Double?), log: Bool) -> (Double?, Double?) {
        if given.0 != nil && given.1 != nil { return given }
        var lo = Double.infinity, hi = -Double.infinity
        for curve in series {
            for values in [curve.y, curve.raw ?? []] {
                for v in values where v.isFinite && (!log || v > 0) {
                    let t = log ? Foundation.log10(v) : v
                    lo = min(lo, t)
                    hi = max(hi, t)
                }
            }
        }
        guard lo <= hi else { return given }
        if let a = given.0 { lo = log ? Foundation.log10(max(a, .leastNormalMagnitude)) : a }
        if let b = given.1 { hi = log ? Foundation.log10(max(b, .leastNormalMagnitude)) : b }
        var span = hi - lo
        if !(span > 0) { span = lo != 0 ? abs(lo) * 0.2 : 1 }
        var low = given.0 == nil ? lo - 0.05 * span : lo
        var high = given.1 == nil ? hi + 0.05 * span : hi
        if log { (low, high) = (pow(10, low), pow(10, high)) }
        guard low.isFinite, high.isFinite, low < high else { return given }
        return (low, high)
    }

    /// Two columns x y; a NaN starts a new segment (a blank line), so gaps
    /// are not bridged.
    static func datablock(_ name: String, _ x: [Double], _ y: [Double], into s: inout String) {
        s += "\(name) << EOD\n"
        var inGap = false
        for (a, b) in zip(x, y) {
            if a.isFinite && b.isFinite {
                s += number(a); s += " "; s += number(b); s += "\n"
                inGap = false
            } else if !inGap {
                s += "\n"
                inGap = true
            }
        }
        s += "EOD\n"
    }

    // MARK: - heatmap

    static func heatmap(_ map: Heatmap, _ spec: PlotSpec, _ output: PlotOutput, into s: inout String) {
        // viridis: ordered in lightness, readable in grey and by most colour-blind readers.
        s += "set palette defined (0 '#440154', 1 '#3b528b', 2 '#21918c', 3 '#5ec962', 4 '#fde725')\n"
        s += "set xrange [-0.5:\(map.cols) - 0.5]\nset yrange [\(map.rows) - 0.5:-0.5]\n"
        s += "unset key\nset tics out\n"
        if map.cols <= 16 { s += "set xtics 1\n" }
        if map.rows <= 16 { s += "set ytics 1\n" }
        if map.logScale { s += "set logscale cb\n" }
        if output.isImage {
            let aspect = Double(map.rows) / Double(map.cols)
            if aspect >= 0.25 && aspect <= 4 { s += "set size ratio -1\n" }
        }
        s += "$m << EOD\n"
        for i in 0..<map.rows {
            var line = ""
            for j in 0..<map.cols {
                if j > 0 { line += " " }
                let v = map[i, j]
                line += v.isFinite ? number(v) : "NaN"
            }
            s += line + "\n"
        }
        s += "EOD\n"
        s += "plot $m matrix with image notitle\n"
    }

    // MARK: - text

    /// A single-quoted gnuplot string ('' stands for a quote inside); line
    /// breaks and other control characters become spaces.
    static func quote(_ text: String) -> String {
        var out = "'"
        for scalar in text.unicodeScalars {
            switch scalar {
            case "'": out += "''"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += " "
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "'"
    }

    /// A number gnuplot reads back exactly.
    static func number(_ d: Double) -> String {
        if d == d.rounded() && abs(d) < 1e15 { return String(Int(d)) }
        return "\(d)"
    }

    static func range(_ r: (Double?, Double?)) -> String {
        "[\(r.0.map(number) ?? "*"):\(r.1.map(number) ?? "*")]"
    }
}
