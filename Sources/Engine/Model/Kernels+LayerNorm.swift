/// LayerNorm over the last dimension (GPT-2's pre-norm, epsilon 1e-5).
extension Kernels {
    /// out = (inp - mean) / sqrt(var + eps) * weight + bias, row by row;
    /// keeps each row's mean and 1/std for the backward pass.
    static func layerNormForward(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>?,
                                 rstd: UnsafeMutablePointer<Float>?, inp: UnsafePointer<Float>,
                                 weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                 rows: Int, C: Int) {
        let eps = GPTConfig.layerNormEpsilon
        Parallel.forEachChunk(rows, costPerItem: 4 * C) { _, range in
            for r in range {
                let x = inp + r * C
                var sum: Float = 0
                for i in 0..<C { sum += x[i] }
                let m = sum / Float(C)
                var variance: Float = 0
                for i in 0..<C {
                    let d = x[i] - m
                    variance += d * d
                }
                let s = 1 / (variance / Float(C) + eps).squareRoot()
                let y = out + r * C
                for i in 0..<C { y[i] = (x[i] - m) * s * weight[i] + bias[i] }
                mean?[r] = m
                rstd?[r] = s
            }
        }
    }

    /// Backward of `layerNormForward`; adds into dinp, dweight and dbias.
    /// `scratch` holds 2·C floats per worker: each worker sums its rows'
    /// weight and bias gradients there, then they are added in worker order.
    static func layerNormBackward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>,
                                  dbias: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                  inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                  mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                  rows: Int, C: Int, scratch: UnsafeMutablePointer<Float>) {
        let workers = min(ModelThreading.workers, max(rows, 1))
        scratch.update(repeating: 0, count: 2 * C * workers)
        Parallel.forEachChunk(rows, costPerItem: 6 * C) { worker, range in
            let partialWeight = scratch + worker * 2 * C
            let partialBias = partialWeight + C
            for r in range {
                let x = inp + r * C, dy = dout + r * C, dx = dinp + r * C
                let m = mean[r], s = rstd[r]
                // The two reductions of the LayerNorm gradient.
                var meanDNorm: Float = 0, meanDNormNorm: Float = 0
                for i in 0..<C {
                    let norm = (x[i] - m) * s
                    let dNorm = weight[i] * dy[i]
                    meanDNorm += dNorm
                    meanDNormNorm += dNorm * norm
                }
                meanDNorm /= Float(C)
                meanDNormNorm /= Float(C)
                for i in 0..<C {
                    let norm = (x[i] - m) * s
                    partialBias[i] += dy[i]
                    partialWeight[i] += norm * dy[i]
                    dx[i] += (weight[i] * dy[i] - meanDNorm - norm * meanDNormNorm) * s
                }
            }
        }
        // Unused workers' partials are still zero, so adding all is exact.
        for w in 0..<workers {
            let partialWeight = scratch + w * 2 * C
            for i in 0..<C {
                dweight[i] += partialWeight[i]
                dbias[i] += partialWeight[C + i]
            }
        }
    }
}
