import Foundation

/// An independent Float64 implementation of the GPT-2 forward pass, written
/// as plainly as possible (loops, no BLAS), that the gradient checks
/// differentiate by finite differences.
enum Reference {
    static func layerNorm(_ x: [Double], _ w: [Double], _ b: [Double], rows: Int, C: Int) -> [Double] {
        var y = [Double](repeating: 0, count: rows * C)
        for r in 0..<rows {
            let row = Array(x[(r * C)..<((r + 1) * C)])
            let mean = row.reduce(0, +) / Double(C)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(C)
            let s = 1 / (variance + 1e-5).squareRoot()
            for i in 0..<C { y[r * C + i] = (row[i] - mean) * s * w[i] + b[i] }
        }
        return y
    }

    static func linear(_ x: [Double], _ w: [Double], _ b: [Double]?, rows: Int, inC: Int, outC: Int) -> [Double] {
        var y = [Double](repeating: 0, count: rows * outC)
        for r in 0..<rows {
            for o in 0..<outC {
                var sum = b?[o] ?? 0
                for i in 0..<inC { sum += x[r * inC + i] * w[i * outC + o] }
                y[r * outC + o] = sum
            }
        }
        return y
    }

    static func gelu(_ x: [Double]) -> [Double] {
        x.map { 0.5 * $0 * (1 + tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }
    }

    static func attention(_ qkv: [Double], B: Int, T: Int, C: Int, NH: Int) -> [Double] {
        let hs = C / NH
        var out = [Double](repeating: 0, count: B * T * C)
        for b in 0..<B {
            for h in 0..<NH {
                for t in 0..<T {
                    var scores = [Double](repeating: 0, count: t + 1)
                    for u in 0...t {
                        var dot = 0.0
                        for i in 0..<hs {
                            dot += qkv[(b * T + t) * 3 * C + h * hs + i] * qkv[(b * T + u) * 3 * C + C + h * hs + i]
                        }
                        scores[u] = dot / Double(hs).squareRoot()
                    }
                    let top = scores.max() ?? 0
                    let exps = scores.map { exp($0 - top) }
                    let total = exps.reduce(0, +)
                    for i in 0..<hs {
                        var sum = 0.0
                        for u in 0...t { sum += exps[u] / total * qkv[(b * T + u) * 3 * C + 2 * C + h * hs + i] }
                        out[(b * T + t) * C + h * hs + i] = sum
                    }
                }
            }
        }
        return out
    }

    static func logSoftmax(_ row: [Double]) -> [Double] {
        let top = row.max() ?? 0
        let logTotal = log(row.map { exp($0 - top) }.reduce(0, +)) + top
        return row.map { $0 - logTotal }
    }

    /// Logits [B·T, V] of the whole model, from named Float64 tensors.
    static func gptLogits(_ p: [String: [Double]], layers: Int, C: Int, NH: Int, V: Int,
                          tokens: [Int32], B: Int, T: Int) -> [Double] {
        let BT = B * T
        var x = [Double](repeating: 0, count: BT * C)
        for bt in 0..<BT {
            for i in 0..<C { x[bt * C + i] = p["wte.weight"]![Int(tokens[bt]) * C + i] + p["wpe.weight"]![(bt % T) * C + i] }
        }
        for l in 0..<layers {
            func w(_ name: String) -> [Double] { p["h.\(l).\(name)"]! }
            let ln1 = layerNorm(x, w("ln_1.weight"), w("ln_1.bias"), rows: BT, C: C)
            let qkv = linear(ln1, w("attn.c_attn.weight"), w("attn.c_attn.bias"), rows: BT, inC: C, outC: 3 * C)
            let att = attention(qkv, B: B, T: T, C: C, NH: NH)
            let proj = linear(att, w("attn.c_proj.weight"), w("attn.c_proj.bias"), rows: BT, inC: C, outC: C)
            for i in 0..<(BT * C) { x[i] += proj[i] }
            let ln2 = layerNorm(x, w("ln_2.weight"), w("ln_2.bias"), rows: BT, C: C)
            let fc = gelu(linear(ln2, w("mlp.c_fc.weight"), w("mlp.c_fc.bias"), rows: BT, inC: C, outC: 4 * C))
            let out = linear(fc, w("mlp.c_proj.weight"), w("mlp.c_proj.bias"), rows: BT, inC: 4 * C, outC: C)
            for i in 0..<(BT * C) { x[i] += out[i] }
        }
        let lnf = layerNorm(x, p["ln_f.weight"]!, p["ln_f.bias"]!, rows: BT, C: C)
        var logits = [Double](repeating: 0, count: BT * V)
        for bt in 0..<BT {
            for v in 0..<V {
                var sum = 0.0
                for i in 0..<C { sum += lnf[bt * C + i] * p["wte.weight"]![v * C + i] }
                logits[bt * V + v] = sum
            }
        }
        return logits
    }

    /// Central finite differences of `f` at `x` for the chosen indices.
    static func numericGradient(_ f: ([Double]) -> Double, at x: [Double], indices: [Int], step: Double = 1e-5) -> [Double] {
        var probe = x
        return indices.map { i in
            probe[i] = x[i] + step
            let up = f(probe)
            probe[i] = x[i] - step
            let down = f(probe)
            probe[i] = x[i]
            return (up - down) / (2 * step)
        }
    }

    /// ‖a - b‖ / max(‖b‖, 1e-12): the relative error of a gradient.
    static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        var diff = 0.0, norm = 0.0
        for (x, y) in zip(a, b) {
            diff += (x - y) * (x - y)
            norm += y * y
        }
        return diff.squareRoot() / max(norm.squareRoot(), 1e-12)
    }
}

/// Deterministic test data.
struct TestNumbers {
    var state: UInt64
    init(_ seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> Double {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Double(state >> 11) * 0x1p-53 * 2 - 1
    }
    mutating func floats(_ n: Int, scale: Double = 1) -> [Float] { (0..<n).map { _ in Float(next() * scale) } }
}
