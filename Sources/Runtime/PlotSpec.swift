import Foundation

/// What a plot shows, whatever draws it: curves (with stage marks) or a
/// heatmap, and the decorations. `plot(...)` builds one from its arguments
/// (`Builtins+Plot.swift`, `PlotData.swift`); `PlotScript` turns it into a
/// gnuplot script for one output.
struct PlotSpec {
    enum Content {
        case curves([PlotSeries], marks: [StageMark])
        case heatmap(Heatmap)
    }

    var content: Content
    var title: String?
    var xlabel: String?
    var ylabel: String?
    var y2label: String?
    var logX = false
    var logY = false
    var style: PlotStyle = .lines
    var xrange: (Double?, Double?) = (nil, nil)
    var yrange: (Double?, Double?) = (nil, nil)
    /// A gnuplot key position ("top left"); nil: above the plot, and only
    /// when there are several curves.
    var legend: String?
    var showLegend = true

    var series: [PlotSeries] {
        if case .curves(let s, _) = content { return s }
        return []
    }
}

/// One curve: points in order, NaN where the curve has a gap.
struct PlotSeries {
    var label: String
    var x: [Double]
    var y: [Double]
    var onY2 = false
    /// Index into `PlotPalette`: curves of one run share it.
    var color = 0
    /// Dash pattern index (1: solid): metrics of one run in a comparison.
    var dash = 1
    /// The unsmoothed values, drawn faintly behind a smoothed curve on
    /// image outputs (as TensorBoard does).
    var raw: [Double]?
}

/// A vertical mark where a curriculum changed stage.
struct StageMark {
    var x: Double
    var label: String
    /// The run's colour, when several runs are compared; nil: grey.
    var color: Int?
}

/// A matrix drawn as colours (row 0 at the top).
struct Heatmap {
    var rows: Int
    var cols: Int
    /// Row-major; NaN for entries that are not finite numbers.
    var values: [Double]
    var logScale = false

    subscript(_ i: Int, _ j: Int) -> Double { values[i * cols + j] }
}

enum PlotStyle: String, CaseIterable {
    case lines, points, linespoints, steps, impulses
}

/// Colours of curves (matplotlib's "tab10", readable on white).
enum PlotPalette {
    static let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    static func color(_ k: Int) -> String { colors[((k % colors.count) + colors.count) % colors.count] }

    /// The same colour, mostly transparent (gnuplot's #AARRGGBB: AA is transparency).
    static func faint(_ k: Int) -> String { "#B0" + color(k).dropFirst() }
}

/// Where a plot goes, as gnuplot terminals.
enum PlotOutput: Equatable {
    /// Text on stdout (gnuplot's `dumb`), `cols`×`rows` characters.
    case text(cols: Int, rows: Int, color: Bool)
    case png(path: String, width: Int, height: Int)
    case svg(path: String, width: Int, height: Int)
    /// Sixel graphics on stdout, for terminals that show them.
    case sixel(width: Int, height: Int)

    var isImage: Bool {
        if case .text = self { return false }
        return true
    }

    static let defaultImageSize = (width: 800, height: 480)
}
