/// Keys and values of every block for a set of sequences, so each new
/// token attends to the past without recomputing it.
///
/// Each (block, sequence, head) owns two contiguous tiles: keys transposed,
/// [headSize, capacity], and values, [capacity, headSize]. Both attention
/// products of a decode step then run along contiguous memory (scores as
/// axpys over positions, the output as axpys over channels), in plain loops
/// LLVM vectorises — tiny BLAS calls would cost more in overhead than work.
final class KVCache {
    let layers: Int, sequences: Int, capacity: Int, C: Int, heads: Int, headSize: Int
    let keys: FloatBuffer
    let values: FloatBuffer
    /// Positions filled per sequence.
    var lengths: [Int]

    init(layers: Int, sequences: Int, capacity: Int, C: Int, heads: Int) {
        self.layers = layers
        self.sequences = sequences
        self.capacity = capacity
        self.C = C
        self.heads = heads
        headSize = C / heads
        keys = FloatBuffer(count: layers * sequences * capacity * C)
        values = FloatBuffer(count: layers * sequences * capacity * C)
        lengths = [Int](repeating: 0, count: sequences)
    }

    /// Keys of one head, transposed: [headSize, capacity].
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
            let keyTile = keys(layer: layer, sequence: sequence, head: h) + position
            for i in 0..<headSize { keyTile[i * capacity] = key[i] }
            (values(layer: layer, sequence: sequence, head: h) + position * headSize).update(from: value, count: headSize)
        }
    }

    /// Copies the first `count` positions of one sequence into another
    /// (a prompt's cache handed to each sample of its group).
    func copyPrefix(from source: Int, to destination: Int, count: Int) {
        if source == destination { return }
        for l in 0..<layers {
            for h in 0..<heads {
                let from = keys(layer: l, sequence: source, head: h), to = keys(layer: l, sequence: destination, head: h)
                for i in 0..<headSize { (to + i * capacity).update(from: from + i * capacity, count: count) }
                values(layer: l, sequence: destination, head: h)
                    .update(from: values(layer: l, sequence: source, head: h), count: count * headSize)
            }
        }
        lengths[destination] = count
    }

    /// Attention of one query (one head, [headSize]) over the first
    /// `length` cached positions of a sequence: out = softmax(K·q·scale)·V.
    /// `scores` holds `capacity` floats of scratch.
    @inline(__always)
    func attend(layer: Int, sequence: Int, head: Int, length: Int, query: UnsafePointer<Float>, scale: Float,
                scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let keyTile = keys(layer: layer, sequence: sequence, head: head)
        let valueTile = values(layer: layer, sequence: sequence, head: head)
        scores.update(repeating: 0, count: length)
        for i in 0..<headSize {
            let q = query[i] * scale, row = keyTile + i * capacity
            for t in 0..<length { scores[t] += q * row[t] }
        }
        Kernels.softmaxInPlace(scores, count: length)
        out.update(repeating: 0, count: headSize)
        for t in 0..<length {
            let weight = scores[t], row = valueTile + t * headSize
            for i in 0..<headSize { out[i] += weight * row[i] }
        }
    }
}
