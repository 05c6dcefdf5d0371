/// Keys and values of every block for a set of sequences, so each new
/// token attends to the past without recomputing it. Layout per block:
/// [sequence, position, C], heads side by side as in the qkv rows.
final class KVCache {
    let layers: Int, sequences: Int, capacity: Int, C: Int
    let keys: FloatBuffer
    let values: FloatBuffer
    /// Positions filled per sequence.
    var lengths: [Int]

    init(layers: Int, sequences: Int, capacity: Int, C: Int) {
        self.layers = layers
        self.sequences = sequences
        self.capacity = capacity
        self.C = C
        keys = FloatBuffer(count: layers * sequences * capacity * C)
        values = FloatBuffer(count: layers * sequences * capacity * C)
        lengths = [Int](repeating: 0, count: sequences)
    }

    /// Bytes two caches of this shape would take (checked before allocating).
    static func bytes(layers: Int, sequences: Int, capacity: Int, C: Int) -> Int {
        2 * 4 * layers * sequences * capacity * C
    }

    @inline(__always)
    func keys(layer: Int, sequence: Int) -> UnsafeMutablePointer<Float> {
        keys.pointer + (layer * sequences + sequence) * capacity * C
    }

    @inline(__always)
    func values(layer: Int, sequence: Int) -> UnsafeMutablePointer<Float> {
        values.pointer + (layer * sequences + sequence) * capacity * C
    }

    /// Stores position `position`'s key and value from one qkv row [3C].
    @inline(__always)
    func store(layer: Int, sequence: Int, position: Int, qkvRow: UnsafePointer<Float>) {
        (keys(layer: layer, sequence: sequence) + position * C).update(from: qkvRow + C, count: C)
        (values(layer: layer, sequence: sequence) + position * C).update(from: qkvRow + 2 * C, count: C)
    }

    /// Copies the first `count` positions of one sequence into another
    /// (a prompt's cache handed to each sample of its group).
    func copyPrefix(from source: Int, to destination: Int, count: Int) {
        if source == destination { return }
        for l in 0..<layers {
            keys(layer: l, sequence: destination).update(from: keys(layer: l, sequence: source), count: count * C)
            values(layer: l, sequence: destination).update(from: values(layer: l, sequence: source), count: count * C)
        }
        lengths[destination] = count
    }
}
