/// Keys and values of every block for a set of sequences, so each new
/// token attends to the past without recomputing it.
///
/// Each (block, sequence, head) owns two contiguous tiles, keys and values,
/// each [capacity, headSize]: a decode step reads both front to back (the
/// cache is far larger than the processor's caches). A group's samples see
/// their shared prompt through one product per head (OpenBLAS); each
/// sample's own positions take dot products and an axpy per position with
/// the query and the output held in registers (32-wide heads; other widths
/// go through matrix-vector calls, whose overhead is the larger cost here).
///
/// A sequence may read its first positions from another sequence's tiles
/// (`sharePrefix`): the samples of one prompt all read the prompt's keys
/// and values from one place, so a decode step streams a prompt from memory
/// once per group rather than once per sample.
final class KVCache {
    let layers: Int, C: Int, heads: Int, headSize: Int
    private(set) var sequences: Int, capacity: Int
    let keys: FloatBuffer
    let values: FloatBuffer
    /// Positions filled per sequence (its shared prefix included). Raw
    /// memory: the sampler's workers update their own sequences' entries.
    private(set) var lengths: UnsafeMutableBufferPointer<Int>
    /// Which sequence holds each sequence's first `prefixLengths` positions.
    var prefixSources: [Int]
    var prefixLengths: [Int]

    init(layers: Int, sequences: Int, capacity: Int, C: Int, heads: Int) {
        self.layers = layers
        self.sequences = sequences
        self.capacity = capacity
        self.C = C
        self.heads = heads
        headSize = C / heads
        keys = FloatBuffer(count: layers * sequences * capacity * C)
        values = FloatBuffer(count: layers * sequences * capacity * C)
        lengths = .allocate(capacity: sequences)
        lengths.initialize(repeating: 0)
        prefixSources = Array(0..<sequences)
        prefixLengths = [Int](repeating: 0, count: sequences)
    }

    deinit { lengths.deallocate() }

    /// Whether this cache's memory holds `sequences` × `capacity` positions
    /// of a model of this shape.
    func fits(layers: Int, sequences: Int, capacity: Int, C: Int, heads: Int) -> Bool {
        layers == self.layers && C == self.C && heads == self.heads && layers * sequences * capacity * C <= keys.count
    }

    /// Empties the cache and lays it out for `sequences` × `capacity`
    /// positions (it must `fit`); stale values are never read.
    func reset(sequences: Int, capacity: Int) {
        self.sequences = sequences
        self.capacity = capacity
        if lengths.count < sequences {
            lengths.deallocate()
            lengths = .allocate(capacity: sequences)
        }
        lengths.initialize(repeating: 0)
        prefixSources = Array(0..<sequences)
        prefixLengths = [Int](repeating: 0, count: sequences)
    }

    /// Keys of one head: [capacity, headSize].
    @inline(__always)
    func keys(layer: Int, sequence: Int, head: Int) -> UnsafeMutablePointer<Float> {
        keys.pointer + ((layer * sequences + sequence) * heads + head) * headSize * capacity
    }

    /// Values of one head: [capacity, headSize].
    @inline(__always)
    func values(layer: Int, sequence: Int, head: Int) -> UnsafeMutablePointer<Float> {
        values.pointer + ((layer * sequences + sequence) * heads + head) * headSize * capacity
    }

    /// Stores position `position`'s key and value from one qkv row [3C].
    @inline(__always)
    func store(layer: Int, sequence: Int, position: Int, qkvRow: UnsafePointer<Float>) {
        for h in 0..<heads {
            let key = qkvRow + C + h * headSize, value = qkvRow + 2 * C + h * headSize
            Kernels.copyShort(keys(layer: layer, sequence: sequence, head: h) + position * headSize, key, count: headSize)
            Kernels.copyShort(values(layer: layer, sequence: sequence, head: h) + position * headSize, value, count: headSize)
        }
    }

    /// Lets `destination` read its first `count` positions from `source`
    /// (a prompt's cache shared by each sample of its group); its own
    /// positions start after them.
    func sharePrefix(from source: Int, to destination: Int, count: Int) {
        prefixSources[destination] = source
        prefixLengths[destination] = count
        lengths[destination] = count
    }

    /// Whether two sequences read the same prefix from the same place.
    @inline(__always)
    func sharePrompt(_ a: Int, _ b: Int) -> Bool {
        prefixSources[a] == prefixSources[b] && prefixLengths[a] == prefixLengths[b]
    }

    /// Copies the first `count` positions of one sequence into another.
    func copyPrefix(from source: Int, to destination: Int, count: Int) {
        if source == destination { return }
        for l in 0..<layers {
            for h in 0..<heads {
                keys(layer: l, sequence: destination, head: h)
                    .update(from: keys(layer: l, sequence: source, head: h), count: count * headSize)
                values(layer: l, sequence: destination, head: h)
                    .update(from: values(layer: l, sequence: source, head: h), count: count * headSize)
            }
        }
        lengths[destination] = count
    }

    /// Attention of queries (one head, [headSize] each, `queryStride`
    /// apart) of `sequences` that share their prefix (`sharePrompt`), each
    /// over its cached positions, its newest included: out = softmax(K·q·scale)·V.
    /// The shared prefix is one product for all the queries; each
    /// sequence's own positions two matrix-vector products. `scores` holds
    /// `capacity` floats of scratch per query.
    @inline(__always)
    func attend(layer: Int, sequences: ArraySlice<Int>, head: Int, queries: UnsafePointer<Float>, queryStride: Int,
                scale: Float, scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, outStride: Int) {
        guard let first = sequences.first else { return }
        let g = sequences.count, hs = headSize
        let shared = prefixLengths[first]
        let sharedKeys = keys(layer: layer, sequence: prefixSources[first], head: head)
        let sharedValues = values(layer: layer, sequence: prefixSources[first], head: head)
        if shared > 0 {
            Kernels.gemmCall(false, true, g, shared, hs, scale, queries, queryStride, sharedKeys, hs, 0, scores, capacity)
        }
        for (i, s) in sequences.enumerated() {
            let row = scores + i * capacity, length = lengths[s] + 1
            KVCache.scores(row, keys: keys(layer: layer, sequence: s, head: head), range: shared..<length,
                           query: queries + i * queryStride, scale: scale, headSize: hs)
            Kernels.softmaxInPlace(row, count: length)
        }
        if shared > 0 {
            Kernels.gemmCall(false, false, g, hs, shared, 1, scores, capacity, sharedValues, hs, 0, out, outStride)
        }
        for (i, s) in sequences.enumerated() {
            let length = lengths[s] + 1, target = out + i * outStride
            if shared == 0 { target.update(repeating: 0, count: hs) }
            KVCache.addValues(target, values: values(layer: layer, sequence: s, head: head), weights: scores + i * capacity,
                              range: shared..<length, headSize: hs)
        }
    }

    typealias Lanes = SIMD8<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Lanes { UnsafeRawPointer(p).loadUnaligned(as: Lanes.self) }

    @inline(__always)
    static func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self) }

    /// scores[t] = scale · query·keys[t] for t in `range`, the query held
    /// in registers when the head is 32 wide.
    @inline(__always)
    static func scores(_ scores: UnsafeMutablePointer<Float>, keys: UnsafePointer<Float>, range: Range<Int>,
                       query: UnsafePointer<Float>, scale: Float, headSize: Int) {
        if headSize == 4 * Lanes.scalarCount {
            let q0 = load(query), q1 = load(query + 8), q2 = load(query + 16), q3 = load(query + 24)
            for t in range {
                let row = keys + t * headSize
                let sum = (q0 * load(row) + q1 * load(row + 8)) + (q2 * load(row + 16) + q3 * load(row + 24))
                let half = sum.lowHalf + sum.highHalf
                scores[t] = ((half[0] + half[1]) + (half[2] + half[3])) * scale
            }
            return
        }
        Kernels.gemvCall(false, range.count, headSize, scale, keys + range.lowerBound * headSize, headSize, query, 0,
                         scores + range.lowerBound)
    }

    /// out[0..<headSize] += Σ_t weights[t]·values[t·headSize ..< (t+1)·headSize]
    /// for t in `range`, 32 channels at a time summed in registers (a
    /// matrix-vector call this small costs more in overhead than work).
    @inline(__always)
    static func addValues(_ out: UnsafeMutablePointer<Float>, values: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                          range: Range<Int>, headSize: Int) {
        if range.isEmpty { return }
        if headSize % (4 * Lanes.scalarCount) != 0 {
            Kernels.gemvCall(true, range.count, headSize, 1, values + range.lowerBound * headSize, headSize,
                             weights + range.lowerBound, 1, out)
            return
        }
        var c = 0
        while c + 4 * Lanes.scalarCount <= headSize {
            var a0 = load(out + c), a1 = load(out + c + 8), a2 = load(out + c + 16), a3 = load(out + c + 24)
            for t in range {
                let w = weights[t], row = values + t * headSize + c
                a0 += w * load(row)
                a1 += w * load(row + 8)
                a2 += w * load(row + 16)
                a3 += w * load(row + 24)
            }
            store(a0, out + c); store(a1, out + c + 8); store(a2, out + c + 16); store(a3, out + c + 24)
            c += 4 * Lanes.scalarCount
        }
    }
}
