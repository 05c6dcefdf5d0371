import Engine
import Foundation

/// A `plot(...)` call's arguments, checked once. `spec` reads the data
/// afresh each time, so a watched run is redrawn with its new steps.
struct PlotRequest {
    enum Y2 { case auto, off, last, names([String]) }
    enum Terminal: String { case auto, dumb, sixel }

    var data: Value
    /// Positional arguments after the data: metric names, or y lists.
    var rest: [Value]
    var x: PlotX = .step
    var smoothing: PlotSmoothing = .none
    var logX = false, logY = false
    var title: String?, xlabel: String?, ylabel: String?
    var y2: Y2 = .auto
    var file: String?
    var size: (Int, Int)?
    var stages = true
    var watch: Bool?
    var terminal: Terminal = .auto
    var style: PlotStyle?
    var labels: [String]?
    var legend: String?
    var showLegend = true
    var xrange: (Double?, Double?) = (nil, nil)
    var yrange: (Double?, Double?) = (nil, nil)

    /// The parameters of `plot`, in order; `init(_:)` reads them by index.
    static let parameters: [Builtin.Parameter] = [
        .required("data"), .variadic("metrics"),
        .optional("x", .string("step")), .optional("smooth"), .optional("log", .bool(false)),
        .optional("title"), .optional("xlabel"), .optional("ylabel"), .optional("y2"),
        .optional("file"), .optional("size"), .optional("stages", .bool(true)), .optional("watch"),
        .optional("terminal"), .optional("style"), .optional("labels"), .optional("legend"),
        .optional("xrange"), .optional("yrange"),
    ]

    init(_ args: Arguments) throws(Unwind) {
        data = args[0]
        rest = try args.list(1)
        let xName = try args.string(2)
        x = xName == "step" ? .step : xName == "time" ? .time : .metric(xName)
        smoothing = try PlotRequest.smoothing(args[3], args)
        switch args[4] {
        case .nil, .bool(false): break
        case .bool(true): logY = true
        case .string(let s) where ["x", "y", "xy", "yx"].contains(s):
            logX = s.contains("x")
            logY = s.contains("y")
        default: throw args.fail("log must be false, true (the y axis), \"x\", \"y\" or \"xy\", got \(args[4].shortDisplay)")
        }
        title = try PlotRequest.text(args, 5)
        xlabel = try PlotRequest.text(args, 6)
        ylabel = try PlotRequest.text(args, 7)
        switch args[8] {
        case .nil: y2 = .auto
        case .bool(false): y2 = .off
        case .bool(true): y2 = .last
        case .string(let s): y2 = .names([s])
        case .list(let items):
            var names: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw args.fail("y2 must list metric names (strings), got \(item.shortDisplay)") }
                names.append(s)
            }
            y2 = .names(names)
        default: throw args.fail("y2 must be a metric name, a list of them, true (the last metric) or false, got \(args[8].shortDisplay)")
        }
        if !args.isNil(9) {
            let path = try args.string(9)
            let ext = (path as NSString).pathExtension.lowercased()
            guard ["png", "svg", "txt"].contains(ext) else {
                throw args.fail("file must end in .png, .svg or .txt (text), got \(args[9].display())")
            }
            file = path
        }
        if !args.isNil(10) {
            guard case .list(let items) = args[10], items.count == 2,
                  case .int(let w) = items[0], case .int(let h) = items[1], w > 0, h > 0 else {
                throw args.fail("size must be [width, height] (pixels for images, characters for text), got \(args[10].shortDisplay)")
            }
            size = (w, h)
        }
        stages = try args.bool(11)
        if !args.isNil(12) { watch = try args.bool(12) }
        if !args.isNil(13) {
            let name = try args.string(13)
            guard let t = Terminal(rawValue: name) else {
                throw args.fail("terminal must be \"dumb\" (text), \"sixel\" or \"auto\", got \(args[13].display())")
            }
            terminal = t
        }
        if !args.isNil(14) {
            let name = try args.string(14)
            guard let s = PlotStyle(rawValue: name) else {
                throw args.fail("style must be one of \(PlotStyle.allCases.map(\.rawValue).joined(separator: ", ")), got \(args[14].display())")
            }
            style = s
        }
        switch args[15] {
        case .nil: break
        case .string(let s): labels = [s]
        case .list(let items):
            labels = []
            for item in items {
                guard case .string(let s) = item else { throw args.fail("labels must be strings, got \(item.shortDisplay)") }
                labels!.append(s)
            }
        default: throw args.mismatch(15, "a list of strings")
        }
        switch args[16] {
        case .nil, .bool(true): break
        case .bool(false): showLegend = false
        case .string(let s):
            let words = s.split(separator: " ").map(String.init)
            let known: Set<String> = ["left", "right", "center", "top", "bottom", "outside", "inside", "below", "above", "horizontal", "vertical", "box"]
            guard !words.isEmpty, words.allSatisfy(known.contains) else {
                throw args.fail("legend must be false or a position such as \"top left\" or \"bottom right outside\" (words: \(known.sorted().joined(separator: ", "))), got \(args[16].display())")
            }
            legend = words.joined(separator: " ")
        default: throw args.fail("legend must be false, true or a position such as \"top left\", got \(args[16].shortDisplay)")
        }
        xrange = try PlotRequest.range(args, 17)
        yrange = try PlotRequest.range(args, 18)
    }

    static func text(_ args: Arguments, _ i: Int) throws(Unwind) -> String? {
        if args.isNil(i) { return nil }
        return try args.string(i)
    }

    static func smoothing(_ v: Value, _ args: Arguments) throws(Unwind) -> PlotSmoothing {
        switch v {
        case .nil, .bool(false): return .none
        case .bool(true): return .ema(0.8)
        case .int(let n) where n >= 1 && n <= 1_000_000: return n == 1 ? .none : .window(n)
        default:
            if let w = Arithmetic.double(v), w >= 0, w < 1 { return w == 0 ? .none : .ema(w) }
            throw args.fail("smooth must be an EMA weight in [0, 1) (0.9 is smooth), a window of steps (an integer ≥ 1) or true (0.8), got \(v.shortDisplay)")
        }
    }

    static func range(_ args: Arguments, _ i: Int) throws(Unwind) -> (Double?, Double?) {
        if args.isNil(i) { return (nil, nil) }
        let name = args.builtin.parameters[i].name
        guard case .list(let items) = args[i], items.count == 2 else {
            throw args.fail("\(name) must be [low, high] (nil for automatic), got \(args[i].shortDisplay)")
        }
        var bounds: [Double?] = []
        for item in items {
            if item.isNil { bounds.append(nil); continue }
            guard let d = Arithmetic.double(item), d.isFinite else {
                throw args.fail("\(name) must be [low, high] (nil for automatic), got \(args[i].shortDisplay)")
            }
            bounds.append(d)
        }
        if let lo = bounds[0], let hi = bounds[1], lo >= hi { throw args.fail("\(name) must have low < high, got \(args[i].shortDisplay)") }
        return (bounds[0], bounds[1])
    }

    // MARK: - what to draw

    /// The sources of a run plot, or nil when the data is not run-like.
    func sources(vm: Interpreter) throws(Unwind) -> [PlotSource]? {
        if let one = try PlotSource.from(data, vm: vm) { return [one] }
        guard case .list(let items) = data, !items.isEmpty else { return nil }
        // A list holding a run is a comparison of runs; otherwise it is numbers.
        var found: [PlotSource?] = []
        for item in items { found.append(try PlotSource.from(item, vm: vm)) }
        if found.allSatisfy({ $0 == nil }) { return nil }
        var out: [PlotSource] = []
        for (k, item) in items.enumerated() {
            guard let s = found[k] else {
                throw fail("plot: element \(k) of the list is \(article(item.typeName)), not a run (a list of runs is compared)")
            }
            out.append(s)
        }
        return out
    }

    /// The spec to draw. `allowEmpty`: a watched run with no steps yet is
    /// not an error (it is drawn once it has some).
    func spec(vm: Interpreter, allowEmpty: Bool = false) throws(Unwind) -> PlotSpec? {
        var spec: PlotSpec
        if case .matrix(let m) = data {
            if !rest.isEmpty { throw fail("plot: a matrix is drawn alone, as a heatmap; got \(rest.count) more argument\(rest.count == 1 ? "" : "s")") }
            spec = try heatmap(m)
        } else if let sources = try sources(vm: vm) {
            guard let s = try runSpec(sources, vm: vm, allowEmpty: allowEmpty) else { return nil }
            spec = s
        } else {
            spec = try listSpec()
        }
        if let title { spec.title = title.isEmpty ? nil : title }
        if let xlabel { spec.xlabel = xlabel.isEmpty ? nil : xlabel }
        if let ylabel { spec.ylabel = ylabel.isEmpty ? nil : ylabel }
        if case .curves = spec.content {
            spec.logX = logX
            spec.logY = logY
        }
        spec.xrange = xrange
        spec.yrange = yrange
        spec.legend = legend
        spec.showLegend = showLegend
        if let style { spec.style = style }
        return spec
    }

    func heatmap(_ m: Matrix) throws(Unwind) -> PlotSpec {
        guard m.rows > 0 && m.cols > 0 else { throw fail("plot: the matrix is empty (\(m.shapeText)); nothing to plot") }
        let f = m.floatMatrix
        var values: [Double] = []
        values.reserveCapacity(m.count)
        for i in 0..<m.rows { for j in 0..<m.cols { values.append(f[i, j]) } }
        var map = Heatmap(rows: m.rows, cols: m.cols, values: values.map { $0.isFinite ? $0 : .nan })
        map.logScale = logY || logX
        if map.logScale && !values.contains(where: { $0 > 0 && $0.isFinite }) {
            throw fail("plot: log scale: the matrix has no positive entries")
        }
        if !values.contains(where: \.isFinite) { throw fail("plot: the matrix has no finite entries") }
        return PlotSpec(content: .heatmap(map), xlabel: "column", ylabel: "row")
    }

    // MARK: lists

    func numbers(_ v: Value, _ what: String) throws(Unwind) -> [Double] {
        guard let items = try v.elements(limit: Interpreter.maxSequence), !PlotRequest.isString(v) else {
            throw fail("plot: \(what) must be a list of numbers, got \(article(v.typeName))")
        }
        var out: [Double] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            switch item {
            case .nil: out.append(.nan)
            case .bool(let b): out.append(b ? 1 : 0)
            default:
                guard let d = Arithmetic.double(item) else {
                    throw fail("plot: element \(i) of \(what) is \(article(item.typeName)), not a number")
                }
                out.append(d)
            }
        }
        return out
    }

    static func isString(_ v: Value) -> Bool { if case .string = v { return true } else { return false } }

    func listSpec() throws(Unwind) -> PlotSpec {
        if case .string = data { throw fail("plot: expected a run, a list of numbers or a matrix, got a string") }
        if x != .step {
            throw fail("plot: x: \(x == .time ? "\"time\"" : "a metric name") applies to runs; for lists give x values first: plot(xs, ys)")
        }
        var ys: [(String, [Double])] = []
        var xs: [Double]?
        if case .list(let items) = data, !items.isEmpty, items.allSatisfy({ if case .list = $0 { return true }; if case .range = $0 { return true }; return false }) {
            // A list of lists: several curves over their indices.
            if !rest.isEmpty { throw fail("plot: give several curves either as a list of lists or as plot(xs, ys1, ys2, ...), not both") }
            for (k, item) in items.enumerated() { ys.append(("\(k + 1)", try numbers(item, "list \(k)"))) }
        } else if rest.isEmpty {
            ys = [("y", try numbers(data, "the data"))]
        } else {
            xs = try numbers(data, "x")
            for (k, item) in rest.enumerated() {
                if case .string(let s) = item {
                    throw fail("plot: metric names like \"\(s)\" need a run (or its history); the data is \(article(data.typeName))")
                }
                ys.append((rest.count == 1 ? "y" : "\(k + 1)", try numbers(item, rest.count == 1 ? "y" : "y\(k + 1)")))
            }
        }
        var series: [PlotSeries] = []
        for (k, (name, y)) in ys.enumerated() {
            if y.isEmpty { throw fail("plot: nothing to plot: \(ys.count == 1 ? "the list" : "list \(name)") is empty") }
            let x = xs ?? (0..<y.count).map(Double.init)
            if x.count != y.count { throw fail("plot: x has \(x.count) values and \(ys.count == 1 ? "y" : "y\(name)") has \(y.count); they must match") }
            var curve = PlotSeries(label: name, x: x, y: smoothing.apply(y), color: k)
            if smoothing != .none { curve.raw = y }
            try applyLog(&curve, what: ys.count == 1 ? "the list" : "list \(name)")
            series.append(curve)
        }
        if let labels { try relabel(&series, labels) }
        return PlotSpec(content: .curves(series, marks: []), xlabel: xs == nil ? "index" : nil)
    }

    /// Points a log axis cannot show (≤ 0) become gaps.
    func applyLog(_ curve: inout PlotSeries, what: String) throws(Unwind) {
        func drop(_ v: inout [Double], where bad: (Int) -> Bool) { for i in v.indices where bad(i) { v[i] = .nan } }
        let x = curve.x, y = curve.y
        if logX {
            drop(&curve.y) { !(x[$0] > 0) }
            if curve.raw != nil { drop(&curve.raw!) { !(x[$0] > 0) } }
        }
        if logY {
            drop(&curve.y) { !(y[$0] > 0) }
            if let raw = curve.raw { drop(&curve.raw!) { !(raw[$0] > 0) } }
        }
        guard curve.y.contains(where: \.isFinite) else {
            if logX || logY { throw fail("plot: log scale: \(what) has no point with positive \(logY ? "y" : "x")") }
            throw fail("plot: \(what) has no numbers to plot (every value is nil or NaN)")
        }
    }

    func relabel(_ series: inout [PlotSeries], _ labels: [String]) throws(Unwind) {
        guard labels.count == series.count else {
            throw fail("plot: labels has \(labels.count) name\(labels.count == 1 ? "" : "s") for \(series.count) curve\(series.count == 1 ? "" : "s")")
        }
        for k in series.indices { series[k].label = labels[k] }
    }

    // MARK: runs

    func metricNames() throws(Unwind) -> [String] {
        var names: [String] = []
        for v in rest {
            switch v {
            case .string(let s): names.append(s)
            case .list(let items) where items.allSatisfy(PlotRequest.isString):
                for case .string(let s) in items { names.append(s) }
            default:
                throw fail("plot: after a run come metric names (strings), got \(article(v.typeName)) \(v.shortDisplay)")
            }
        }
        return names
    }

    func runSpec(_ sources: [PlotSource], vm: Interpreter, allowEmpty: Bool) throws(Unwind) -> PlotSpec? {
        let requested = try metricNames()
        let several = sources.count > 1
        // Names in the legend: the run's directory, else its place in the list.
        var names: [String] = []
        for (k, s) in sources.enumerated() {
            var name = s.label ?? (several ? "run \(k + 1)" : "run")
            if names.contains(name) { name += " (\(k + 1))" }
            names.append(name)
        }
        if sources.allSatisfy({ $0.records.isEmpty }) {
            if allowEmpty { return nil }
            throw fail("plot: \(several ? "the runs have" : "\(sources[0].name) has") no steps yet")
        }
        let defaults = try (sources.first { !$0.records.isEmpty } ?? sources[0]).defaultMetrics()
        var perSource: [[String]] = []
        var metrics: [String] = []
        for s in sources {
            if s.records.isEmpty && allowEmpty { perSource.append([]); continue }
            if s.records.isEmpty { throw fail("plot: \(s.name) has no steps yet") }
            let chosen = requested.isEmpty ? try s.resolve(defaults) : try s.resolve(requested)
            perSource.append(chosen)
            for m in chosen where !metrics.contains(m) { metrics.append(m) }
            switch x {
            case .time where !s.hasStepTime:
                throw fail("plot: x: \"time\" sums the step_time metric, which \(s.name) does not have")
            case .metric(let name) where !s.metricNames.contains(name):
                var message = "plot: x: \(s.name) has no metric '\(name)'"
                if let guess = closestName(to: name, in: ["step", "time"] + s.plottable) { message += "; did you mean '\(guess)'?" }
                throw fail(message + " (x is \"step\", \"time\" or a metric name)")
            default: break
            }
        }

        // Training time reads best in the unit of its length.
        var timeScale = 1.0, timeUnit = "s"
        if x == .time {
            let longest = sources.map { $0.xValues(.time).last ?? 0 }.max() ?? 0
            if longest > 7200 { (timeScale, timeUnit) = (3600, "h") } else if longest > 180 { (timeScale, timeUnit) = (60, "min") }
        }

        var series: [PlotSeries] = []
        var seriesMetric: [String] = []
        for (k, s) in sources.enumerated() {
            for metric in perSource[k] {
                let column = s.column(metric, x: x)
                let xs = timeScale == 1 ? column.x : column.x.map { $0 / timeScale }
                let j = metrics.firstIndex(of: metric) ?? 0
                let label: String
                if !several { label = metric } else if metrics.count == 1 { label = names[k] } else { label = "\(names[k]) \(metric)" }
                var curve = PlotSeries(label: label, x: xs, y: smoothing.apply(column.y),
                                       color: several ? k : j, dash: several ? j + 1 : 1)
                if smoothing != .none { curve.raw = column.y }
                if !curve.y.contains(where: \.isFinite) && allowEmpty { continue }
                try applyLog(&curve, what: "\(metric) of \(s.name)")
                series.append(curve)
                seriesMetric.append(metric)
            }
        }
        if series.isEmpty {
            if allowEmpty { return nil }
            throw fail("plot: nothing to plot")
        }

        // The right axis: named metrics, or the second of two metrics whose scales differ tenfold.
        var right: Set<String> = []
        switch y2 {
        case .off: break
        case .names(let wanted):
            for name in wanted {
                let matches = metrics.filter { $0 == name || (name.contains("*") && PlotSource.glob(name, $0)) }
                if matches.isEmpty {
                    throw fail("plot: y2 names '\(name)', which is not plotted; plotted: \(metrics.joined(separator: ", "))")
                }
                right.formUnion(matches)
            }
        case .last:
            if metrics.count > 1, let last = metrics.last { right = [last] }
        case .auto:
            if metrics.count == 2 {
                func magnitude(_ m: String) -> Double {
                    var most = 0.0
                    for (curve, name) in zip(series, seriesMetric) where name == m {
                        for v in curve.y where v.isFinite { most = max(most, abs(v)) }
                    }
                    return most
                }
                let a = magnitude(metrics[0]), b = magnitude(metrics[1])
                if min(a, b) > 0 && max(a, b) / min(a, b) > 10 { right = [metrics[1]] }
            }
        }
        if right.count == metrics.count { right = [] }  // everything on one axis is the left one
        for k in series.indices where right.contains(seriesMetric[k]) {
            series[k].onY2 = true
            series[k].label += " (right)"
        }
        if let labels { try relabel(&series, labels) }

        var marks: [StageMark] = []
        if stages && !x.isMetric {
            for (k, s) in sources.enumerated() {
                for change in s.stageChanges(x: x) {
                    marks.append(StageMark(x: change.x / timeScale, label: "stage \(change.stage)", color: several ? k : nil))
                }
            }
        }

        var spec = PlotSpec(content: .curves(series, marks: marks))
        if x.isMetric { spec.style = .points }
        switch x {
        case .step: spec.xlabel = "step"
        case .time: spec.xlabel = "training time (\(timeUnit))"
        case .metric(let name): spec.xlabel = name
        }
        let left = metrics.filter { !right.contains($0) }
        spec.ylabel = left.count == 1 ? left[0] : nil
        if !right.isEmpty { spec.y2label = metrics.filter(right.contains).joined(separator: ", ") }
        if !several, let label = sources[0].label { spec.title = label }
        return spec
    }
}
