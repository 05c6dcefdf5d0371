/// Causal attention over packed rows (see `PackedBatch`): rows are cut into
/// segments, each a list of rows in position order that attend to a prefix
/// (another segment's rows, seen whole: their prompt) and causally to
/// themselves. A prompt is a segment with no prefix; each of its
/// completions a segment whose prefix is the prompt. So a prompt's rows
/// run once for its whole group, and no row is padding.
///
/// A segment's rows need not be adjacent (a sampler records a completion's
/// rows one decode step at a time): each job gathers its queries, keys and
/// values into scratch, so the products run on contiguous tiles, and
/// scatters its results back. The weights are not kept: the backward
/// recomputes them (one product and a softmax), which costs less than
/// storing a tile per segment and head.
///
/// Jobs are (group, head) pairs: a group's completions all add into their
/// prompt's key and value gradients, so one job owns them and no two
/// workers write the same floats.
struct AttentionLayout: Sendable {
    struct Segment: Sendable, Equatable {
        /// The segment's rows are `rows[start ..< start + count]`.
        var start: Int
        var count: Int
        /// Its prefix's rows are `rows[prefixStart ..< prefixStart + prefixCount]`.
        var prefixStart: Int
        var prefixCount: Int

        /// Columns of a weights row: the prefix, then the segment's own rows.
        var width: Int { prefixCount + count }
    }

    /// Row numbers, segment by segment.
    var rows: [Int32] = []
    var segments: [Segment] = []
    /// The segments of each group: its prompt (no prefix) first, then the
    /// segments whose prefix is that prompt.
    var groups: [Range<Int>] = []
    /// The largest segment, widest weights row and longest prompt.
    private(set) var longestSegment = 0, widest = 0, longestPrompt = 0
    /// Multiply-adds of all segments' weights (for the workers' cut).
    private(set) var weightCount = 0

    /// Starts a group with a prompt segment of `rows`; returns where its rows start.
    @discardableResult
    mutating func addPrompt<Rows: Collection>(rows promptRows: Rows) -> Int where Rows.Element == Int32 {
        let start = rows.count
        rows += promptRows
        groups.append(segments.count..<segments.count)
        add(Segment(start: start, count: promptRows.count, prefixStart: start, prefixCount: 0))
        longestPrompt = max(longestPrompt, promptRows.count)
        return start
    }

    /// Adds a segment of `rows` to the last group, seeing its prompt whole.
    mutating func addCompletion<Rows: Collection>(rows ownRows: Rows) where Rows.Element == Int32 {
        guard let group = groups.last else { return }
        let prompt = segments[group.lowerBound]
        let start = rows.count
        rows += ownRows
        add(Segment(start: start, count: ownRows.count, prefixStart: prompt.start, prefixCount: prompt.count))
    }

    private mutating func add(_ segment: Segment) {
        segments.append(segment)
        groups[groups.count - 1] = groups[groups.count - 1].lowerBound..<segments.count
        longestSegment = max(longestSegment, segment.count)
        widest = max(widest, segment.width)
        weightCount += segment.count * segment.width
    }

    /// Scratch floats one worker needs (see `Kernels.Tiles`).
    func scratchFloats(headSize hs: Int) -> Int {
        Self.scratchFloats(longestSegment: longestSegment, widest: widest, longestPrompt: longestPrompt, headSize: hs)
    }

    static func scratchFloats(longestSegment: Int, widest: Int, longestPrompt: Int, headSize hs: Int) -> Int {
        3 * longestSegment * hs + 4 * widest * hs + 2 * longestSegment * widest + 2 * longestPrompt * hs
    }

    /// Rough cost of one (group, head) job, for the workers' cut.
    func cost(headSize hs: Int) -> Int { max(1, 2 * weightCount * hs / max(1, groups.count)) }
}

extension Kernels {
    /// One worker's tiles, carved out of its scratch: a segment's queries
    /// and output gradient [n, hs], the keys and values it sees and their
    /// gradients [prefix + n, hs], the weights and their gradient
    /// [n, prefix + n], and the prompt's key and value gradients [P, hs].
    struct Tiles {
        let q, dy, dq, k, v, dk, dv, weights, dWeights, dPromptKeys, dPromptValues: UnsafeMutablePointer<Float>

        init(_ scratch: UnsafeMutablePointer<Float>, layout: AttentionLayout, hs: Int) {
            let n = layout.longestSegment * hs, w = layout.widest * hs, s = layout.longestSegment * layout.widest
            q = scratch; dy = q + n; dq = dy + n
            k = dq + n; v = k + w; dk = v + w; dv = dk + w
            weights = dv + w; dWeights = weights + s
            dPromptKeys = dWeights + s; dPromptValues = dPromptKeys + layout.longestPrompt * hs
        }
    }

    /// Copies a short run of floats (a head's slice of a row) in registers:
    /// a memmove call per slice costs more than the copy.
    @inline(__always)
    static func copyShort(_ target: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, count: Int) {
        typealias Lanes = SIMD8<Float>
        var c = 0
        while c + Lanes.scalarCount <= count {
            UnsafeMutableRawPointer(target + c).storeBytes(of: UnsafeRawPointer(source + c).loadUnaligned(as: Lanes.self), as: Lanes.self)
            c += Lanes.scalarCount
        }
        while c < count {
            target[c] = source[c]
            c += 1
        }
    }

    /// Copies `count` rows of one head's columns out of row-major `source`
    /// (row stride `ld`) into a dense [count, hs] tile, rows picked by `rows`.
    @inline(__always)
    static func gather(_ tile: UnsafeMutablePointer<Float>, from source: UnsafePointer<Float>, ld: Int,
                       rows: UnsafePointer<Int32>, count: Int, hs: Int) {
        for i in 0..<count { copyShort(tile + i * hs, source + Int(rows[i]) * ld, count: hs) }
    }

    /// Writes (or, with `add`, adds) a dense [count, hs] tile into one head's
    /// columns of row-major `target`, rows picked by `rows`.
    @inline(__always)
    static func scatter(_ tile: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, ld: Int,
                        rows: UnsafePointer<Int32>, count: Int, hs: Int, add: Bool) {
        for i in 0..<count {
            let row = target + Int(rows[i]) * ld, values = tile + i * hs
            if add { for c in 0..<hs { row[c] += values[c] } } else { copyShort(row, values, count: hs) }
        }
    }

    /// Gathers a segment's queries, keys and values (its prefix's first)
    /// for head `h` and computes its weights softmax(q·kᵀ/√hs), causal
    /// over its own rows, into `tiles.weights` [n, width].
    @inline(__always)
    static func segmentWeights(_ segment: AttentionLayout.Segment, rows: UnsafePointer<Int32>, qkv: UnsafePointer<Float>,
                               h: Int, C: Int, hs: Int, scale: Float, tiles: Tiles) {
        let n = segment.count, p = segment.prefixCount, width = segment.width, C3 = 3 * C
        let own = rows + segment.start, prefix = rows + segment.prefixStart
        gather(tiles.q, from: qkv + h * hs, ld: C3, rows: own, count: n, hs: hs)
        gather(tiles.k, from: qkv + C + h * hs, ld: C3, rows: prefix, count: p, hs: hs)
        gather(tiles.k + p * hs, from: qkv + C + h * hs, ld: C3, rows: own, count: n, hs: hs)
        gather(tiles.v, from: qkv + 2 * C + h * hs, ld: C3, rows: prefix, count: p, hs: hs)
        gather(tiles.v + p * hs, from: qkv + 2 * C + h * hs, ld: C3, rows: own, count: n, hs: hs)
        // Own rows past the diagonal are masked; they are computed and zeroed.
        gemmCall(false, true, n, width, hs, scale, tiles.q, hs, tiles.k, hs, 0, tiles.weights, width)
        for i in 0..<n {
            let row = tiles.weights + i * width
            softmaxInPlace(row, count: p + i + 1)
            if i + 1 < n { (row + p + i + 1).update(repeating: 0, count: n - i - 1) }
        }
    }

    /// out = softmax(q·kᵀ/√hs)·v for every segment and head; `scratch`
    /// holds `layout.scratchFloats` per worker.
    static func packedAttentionForward(out: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
                                       layout: AttentionLayout, C: Int, NH: Int,
                                       scratch: UnsafeMutablePointer<Float>) {
        let hs = C / NH, scale = 1 / Float(hs).squareRoot(), scratchFloats = layout.scratchFloats(headSize: hs)
        layout.rows.withUnsafeBufferPointer { rowsBuffer in
            let rows = rowsBuffer.baseAddress!
            Parallel.forEachChunk(layout.groups.count * NH, costPerItem: layout.cost(headSize: hs)) { worker, jobs in
                let tiles = Tiles(scratch + worker * scratchFloats, layout: layout, hs: hs)
                for job in jobs {
                    let h = job % NH
                    for segment in layout.segments[layout.groups[job / NH]] where segment.count > 0 {
                        segmentWeights(segment, rows: rows, qkv: qkv, h: h, C: C, hs: hs, scale: scale, tiles: tiles)
                        gemmCall(false, false, segment.count, hs, segment.width, 1, tiles.weights, segment.width,
                                 tiles.v, hs, 0, tiles.dy, hs)
                        scatter(tiles.dy, into: out + h * hs, ld: C, rows: rows + segment.start, count: segment.count,
                                hs: hs, add: false)
                    }
                }
            }
        }
    }

    /// Backward of `packedAttentionForward`: writes all of dqkv.
    static func packedAttentionBackward(dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                        qkv: UnsafePointer<Float>, layout: AttentionLayout, C: Int, NH: Int,
                                        scratch: UnsafeMutablePointer<Float>) {
        let hs = C / NH, C3 = 3 * C, scale = 1 / Float(hs).squareRoot(), scratchFloats = layout.scratchFloats(headSize: hs)
        layout.rows.withUnsafeBufferPointer { rowsBuffer in
            let rows = rowsBuffer.baseAddress!
            Parallel.forEachChunk(layout.groups.count * NH, costPerItem: 2 * layout.cost(headSize: hs)) { worker, jobs in
                let tiles = Tiles(scratch + worker * scratchFloats, layout: layout, hs: hs)
                for job in jobs {
                    let h = job % NH, group = layout.groups[job / NH]
                    let prompt = layout.segments[group.lowerBound], P = prompt.count
                    // The prompt's key and value gradients gather every segment's share.
                    tiles.dPromptKeys.update(repeating: 0, count: P * hs)
                    tiles.dPromptValues.update(repeating: 0, count: P * hs)
                    for segment in layout.segments[group] where segment.count > 0 {
                        let n = segment.count, p = segment.prefixCount, width = segment.width
                        let own = rows + segment.start
                        segmentWeights(segment, rows: rows, qkv: qkv, h: h, C: C, hs: hs, scale: scale, tiles: tiles)
                        gather(tiles.dy, from: dout + h * hs, ld: C, rows: own, count: n, hs: hs)
                        // dWeights = dy·vᵀ; dv = weightsᵀ·dy.
                        gemmCall(false, true, n, width, hs, 1, tiles.dy, hs, tiles.v, hs, 0, tiles.dWeights, width)
                        gemmCall(true, false, width, hs, n, 1, tiles.weights, width, tiles.dy, hs, 0, tiles.dv, hs)
                        // Softmax backward: dScore = w ⊙ (dw − Σ w·dw) over the visible columns.
                        for i in 0..<n {
                            let w = tiles.weights + i * width, dw = tiles.dWeights + i * width
                            let visible = p + i + 1
                            var dot: Float = 0
                            for j in 0..<visible { dot += w[j] * dw[j] }
                            for j in 0..<visible { dw[j] = w[j] * (dw[j] - dot) }
                            if visible < width { (dw + visible).update(repeating: 0, count: width - visible) }
                        }
                        // dq = scale·dScore·k; dk = scale·dScoreᵀ·q.
                        gemmCall(false, false, n, hs, width, scale, tiles.dWeights, width, tiles.k, hs, 0, tiles.dq, hs)
                        gemmCall(true, false, width, hs, n, scale, tiles.dWeights, width, tiles.q, hs, 0, tiles.dk, hs)
                        scatter(tiles.dq, into: dqkv + h * hs, ld: C3, rows: own, count: n, hs: hs, add: false)
                        // The prefix's share (a completion's) and the prompt's own rows go to the prompt's sums.
                        let promptShare = p > 0 ? 0..<p : 0..<n
                        for i in promptShare {
                            let keys = tiles.dPromptKeys + i * hs, values = tiles.dPromptValues + i * hs
                            let dk = tiles.dk + i * hs, dv = tiles.dv + i * hs
                            for c in 0..<hs {
                                keys[c] += dk[c]
                                values[c] += dv[c]
                            }
                        }
                        if p > 0 {
                            scatter(tiles.dk + p * hs, into: dqkv + C + h * hs, ld: C3, rows: own, count: n, hs: hs, add: false)
                            scatter(tiles.dv + p * hs, into: dqkv + 2 * C + h * hs, ld: C3, rows: own, count: n, hs: hs, add: false)
                        }
                    }
                    let promptRows = rows + prompt.start
                    scatter(tiles.dPromptKeys, into: dqkv + C + h * hs, ld: C3, rows: promptRows, count: P, hs: hs, add: false)
                    scatter(tiles.dPromptValues, into: dqkv + 2 * C + h * hs, ld: C3, rows: promptRows, count: P, hs: hs, add: false)
                }
            }
        }
    }
}
