/// GELU with GPT-2's tanh approximation (`gelu_new`):
/// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
extension Kernels {
    static let geluScale: Float = 0.797_884_56  // √(2/π)
    static let geluCubic: Float = 0.044_715

    static func geluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
        Parallel.forEachChunk((count + 7) / 8, costPerItem: 160) { _, blocks in
            let start = blocks.lowerBound * 8, end = min(blocks.upperBound * 8, count)
            var i = start
            while i + 8 <= end {
                store(gelu(load(inp + i)), out + i)
                i += 8
            }
            if i < end { storePartial(gelu(loadPartial(inp + i, end - i, fill: 0)), out + i, end - i) }
        }
    }

    @inline(__always)
    static func gelu(_ x: Vec) -> Vec {
        let cube: Vec = geluCubic * x * x * x
        let inner: Vec = geluScale * (x + cube)
        let half: Vec = 0.5 * x
        return half * (1 + tanh(inner))
    }

    /// dinp = gelu'(inp)·dout; `dinp` may be the same buffer as `dout`.
    static func geluBackward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                             dout: UnsafePointer<Float>, count: Int) {
        Parallel.forEachChunk((count + 7) / 8, costPerItem: 200) { _, blocks in
            let start = blocks.lowerBound * 8, end = min(blocks.upperBound * 8, count)
            var i = start
            while i + 8 <= end {
                store(geluGradient(load(inp + i)) * load(dout + i), dinp + i)
                i += 8
            }
            if i < end {
                let g = geluGradient(loadPartial(inp + i, end - i, fill: 0)) * loadPartial(dout + i, end - i, fill: 0)
                storePartial(g, dinp + i, end - i)
            }
        }
    }

    /// d/dx of `gelu`: 0.5(1 + t) + 0.5·x·(1 - t²)·√(2/π)·(1 + 3·0.044715·x²).
    @inline(__always)
    static func geluGradient(_ x: Vec) -> Vec {
        let x2: Vec = x * x
        let cube: Vec = geluCubic * x2 * x
        let t: Vec = tanh(geluScale * (x + cube))
        let sech2: Vec = 1 - t * t
        let innerSlope: Vec = geluScale * (1 + (3 * geluCubic) * x2)
        let left: Vec = 0.5 * (1 + t)
        let right: Vec = 0.5 * x * sech2
        return left + right * innerSlope
    }
}
