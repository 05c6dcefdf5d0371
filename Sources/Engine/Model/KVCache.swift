/// Keys and values of every block for a set of sequences, so each new
/// token attends to the past without recomputing it.
///
/// Each (block, sequence, head) owns two contiguous tiles, keys and values,
/// each [capacity, headSize]: a decode step reads both front to back (the
/// cache is far larger than the processor's caches, so this traffic bounds
/// a decode step's attention), as two matrix-vector products through
/// OpenBLAS, whose AVX-512 kernels beat the SSE loops Swift compiles here.
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
            Kernels.gemvCall(false, length - shared, hs, scale, keys(layer: layer, sequence: s, head: head) + shared * hs, hs,
                             queries + i * queryStride, 0, row + shared)
            Kernels.softmaxInPlace(row, count: length)
        }
        if shared > 0 {
            Kernels.gemmCall(false, false, g, hs, shared, 1, scores, capacity, sharedValues, hs, 0, out, outStride)
        }
        for (i, s) in sequences.enumerated() {
            let length = lengths[s] + 1
            Kernels.gemvCall(true, length - shared, hs, 1, values(layer: layer, sequence: s, head: head) + shared * hs, hs,
                             scores + i * capacity + shared, shared > 0 ? 1 : 0, out + i * outStride)
        }
    }
}
