import XCTest
@testable import Engine

/// Gradient checks: each backward kernel (Float32) against finite
/// differences of the independent Float64 reference in ModelReference.swift.
final class ModelGradientTests: XCTestCase {
    /// Relative error allowed between a Float32 gradient and the Float64 one.
    let tolerance = 2e-3

    func testLayerNormBackward() {
        let rows = 3, C = 7
        var numbers = TestNumbers(1)
        let x = numbers.floats(rows * C, scale: 2), w = numbers.floats(C), b = numbers.floats(C)
        let upstream = numbers.floats(rows * C)
        var dx = [Float](repeating: 0, count: rows * C), dw = [Float](repeating: 0, count: C), db = dw
        var out = [Float](repeating: 0, count: rows * C), mean = [Float](repeating: 0, count: rows), rstd = mean
        var scratch = [Float](repeating: 0, count: 2 * C * ModelThreading.workers)
        Kernels.layerNormForward(out: &out, mean: &mean, rstd: &rstd, inp: x, weight: w, bias: b, rows: rows, C: C)
        Kernels.layerNormBackward(dinp: &dx, dweight: &dw, dbias: &db, dout: upstream, inp: x, weight: w,
                                  mean: mean, rstd: rstd, rows: rows, C: C, scratch: &scratch)
        let xd = x.map(Double.init), wd = w.map(Double.init), bd = b.map(Double.init), r = upstream.map(Double.init)
        func loss(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
            zip(Reference.layerNorm(x, w, b, rows: rows, C: C), r).map(*).reduce(0, +)
        }
        XCTAssertLessThan(maxRelative(out, Reference.layerNorm(xd, wd, bd, rows: rows, C: C)), 1e-5)
        check("layernorm dx", dx, Reference.numericGradient({ loss($0, wd, bd) }, at: xd, indices: Array(0..<(rows * C))))
        check("layernorm dweight", dw, Reference.numericGradient({ loss(xd, $0, bd) }, at: wd, indices: Array(0..<C)))
        check("layernorm dbias", db, Reference.numericGradient({ loss(xd, wd, $0) }, at: bd, indices: Array(0..<C)))
    }

    func testLinearBackward() {
        for (rows, inC, outC) in [(4, 5, 6), (70, 64, 96)] {  // the second is split over workers
            var numbers = TestNumbers(2)
            let x = numbers.floats(rows * inC), w = numbers.floats(inC * outC), b = numbers.floats(outC)
            let upstream = numbers.floats(rows * outC)
            var out = [Float](repeating: 0, count: rows * outC)
            var dx = [Float](repeating: 0, count: rows * inC), dw = [Float](repeating: 0, count: inC * outC)
            var db = [Float](repeating: 0, count: outC)
            Kernels.linearForward(out: &out, inp: x, weight: w, bias: b, rows: rows, inC: inC, outC: outC)
            Kernels.linearBackward(dinp: &dx, dweight: &dw, dbias: &db, dout: upstream, inp: x, weight: w,
                                   rows: rows, inC: inC, outC: outC)
            let xd = x.map(Double.init), wd = w.map(Double.init), bd = b.map(Double.init), r = upstream.map(Double.init)
            func loss(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
                zip(Reference.linear(x, w, b, rows: rows, inC: inC, outC: outC), r).map(*).reduce(0, +)
            }
            XCTAssertLessThan(maxRelative(out, Reference.linear(xd, wd, bd, rows: rows, inC: inC, outC: outC)), 1e-5)
            let pick = { (n: Int) in Array(stride(from: 0, to: n, by: max(1, n / 40))) }
            check("linear dx", pick(rows * inC).map { dx[$0] },
                  Reference.numericGradient({ loss($0, wd, bd) }, at: xd, indices: pick(rows * inC)))
            check("linear dweight", pick(inC * outC).map { dw[$0] },
                  Reference.numericGradient({ loss(xd, $0, bd) }, at: wd, indices: pick(inC * outC)))
            check("linear dbias", db, Reference.numericGradient({ loss(xd, wd, $0) }, at: bd, indices: Array(0..<outC)))
        }
    }

    func testAttentionBackward() {
        // T = 70 crosses the 64-row block boundary of the blocked products.
        for (B, T, C, NH) in [(2, 5, 8, 2), (1, 70, 8, 2)] {
            var numbers = TestNumbers(3)
            let qkv = numbers.floats(B * T * 3 * C, scale: 1.5), upstream = numbers.floats(B * T * C)
            var out = [Float](repeating: 0, count: B * T * C), att = [Float](repeating: 0, count: B * NH * T * T)
            var dqkv = [Float](repeating: .nan, count: B * T * 3 * C)
            var scratch = [Float](repeating: 0, count: ModelThreading.workers * T * T)
            Kernels.attentionForward(out: &out, att: &att, qkv: qkv, B: B, T: T, C: C, NH: NH)
            Kernels.attentionBackward(dqkv: &dqkv, dout: upstream, qkv: qkv, att: att, B: B, T: T, C: C, NH: NH,
                                      scratch: &scratch)
            let qd = qkv.map(Double.init), r = upstream.map(Double.init)
            XCTAssertLessThan(maxRelative(out, Reference.attention(qd, B: B, T: T, C: C, NH: NH)), 1e-5)
            let indices = Array(stride(from: 0, to: qkv.count, by: max(1, qkv.count / 120)))
            check("attention dqkv (T=\(T))", indices.map { dqkv[$0] }, Reference.numericGradient({
                zip(Reference.attention($0, B: B, T: T, C: C, NH: NH), r).map(*).reduce(0, +)
            }, at: qd, indices: indices))
        }
    }

    func testGeluBackward() {
        var numbers = TestNumbers(4)
        let n = 37  // not a multiple of 8: exercises the tail
        var x = numbers.floats(n, scale: 4)
        x[0] = 12; x[1] = -12; x[2] = 0  // saturated ends and the origin
        let upstream = numbers.floats(n)
        var out = [Float](repeating: 0, count: n), dx = [Float](repeating: 0, count: n)
        Kernels.geluForward(out: &out, inp: x, count: n)
        Kernels.geluBackward(dinp: &dx, inp: x, dout: upstream, count: n)
        let xd = x.map(Double.init), r = upstream.map(Double.init)
        XCTAssertLessThan(maxAbsolute(out, Reference.gelu(xd)), 1e-6)
        check("gelu dx", dx, Reference.numericGradient({ zip(Reference.gelu($0), r).map(*).reduce(0, +) },
                                                      at: xd, indices: Array(0..<n)))
    }

    func testSoftmaxCrossEntropyBackward() {
        let rows = 4, V = 11
        for temperature in [1.0, 0.7] {
            var numbers = TestNumbers(5)
            let logits = numbers.floats(rows * V, scale: 3)
            let targets: [Int32] = [3, 0, -1, 10]
            let coefficients: [Float] = [-0.5, 1.5, 2, -1]
            var probs = logits, logProbs = [Float](repeating: 0, count: rows)
            let inverse = Float(1 / temperature)
            Kernels.softmaxCrossEntropyForward(probs: &probs, logProbs: &logProbs, targets: targets, rows: rows, V: V,
                                               inverseTemperature: inverse)
            Kernels.softmaxCrossEntropyBackward(dlogits: &probs, coefficients: coefficients, targets: targets,
                                                rows: rows, V: V, inverseTemperature: inverse)
            func loss(_ z: [Double]) -> Double {
                var total = 0.0
                for r in 0..<rows where targets[r] >= 0 {
                    let row = Reference.logSoftmax(z[(r * V)..<((r + 1) * V)].map { $0 / temperature })
                    total += Double(coefficients[r]) * row[Int(targets[r])]
                }
                return total
            }
            let zd = logits.map(Double.init)
            let expected = Reference.logSoftmax(zd[0..<V].map { $0 / temperature })[3]
            XCTAssertEqual(Double(logProbs[0]), expected, accuracy: 1e-5)
            XCTAssertEqual(logProbs[2], 0)
            check("cross-entropy dlogits (T=\(temperature))", probs,
                  Reference.numericGradient(loss, at: zd, indices: Array(0..<(rows * V))))
        }
    }

    func testEmbeddingBackward() {
        let B = 2, T = 3, C = 4, V = 5
        var numbers = TestNumbers(6)
        let wte = numbers.floats(V * C), wpe = numbers.floats(T * C), upstream = numbers.floats(B * T * C)
        let tokens: [Int32] = [1, 4, 1, 0, 1, 2]  // repeated ids must add up
        var out = [Float](repeating: 0, count: B * T * C)
        var dwte = [Float](repeating: 0, count: V * C), dwpe = [Float](repeating: 0, count: T * C)
        Kernels.embeddingForward(out: &out, tokens: tokens, wte: wte, wpe: wpe, B: B, T: T, C: C)
        Kernels.embeddingBackward(dwte: &dwte, dwpe: &dwpe, dout: upstream, tokens: tokens, B: B, T: T, C: C)
        func loss(_ wte: [Double], _ wpe: [Double]) -> Double {
            var total = 0.0
            for bt in 0..<(B * T) {
                for i in 0..<C {
                    total += (wte[Int(tokens[bt]) * C + i] + wpe[(bt % T) * C + i]) * Double(upstream[bt * C + i])
                }
            }
            return total
        }
        let ed = wte.map(Double.init), pd = wpe.map(Double.init)
        XCTAssertEqual(out[5], wte[4 * C + 1] + wpe[1 * C + 1])
        check("embedding dwte", dwte, Reference.numericGradient({ loss($0, pd) }, at: ed, indices: Array(0..<(V * C))))
        check("embedding dwpe", dwpe, Reference.numericGradient({ loss(ed, $0) }, at: pd, indices: Array(0..<(T * C))))
    }

    /// The whole model: every tensor's gradient (sampled entries) against
    /// finite differences of the Float64 reference model.
    func testWholeModelBackward() throws {
        let config = GPTConfig(layers: 2, dim: 8, heads: 2, context: 6, vocabSize: 11)
        let model = try GPTModel(config: config, seed: 7)
        // Bigger-than-init weights so every path carries a visible gradient.
        var numbers = TestNumbers(8)
        for spec in model.tensors {
            let values = model.tensor(named: spec.name)!
            try model.setTensor(named: spec.name, values.map { $0 * 10 + Float(numbers.next() * 0.1) })
        }
        let B = 2, T = 5
        let inputs: [Int32] = [1, 5, 3, 3, 9, 0, 2, 10, 4, 4]
        let targets: [Int32] = [5, 3, 3, 9, 2, 2, 10, 4, 4, -1]
        let weights: [Float] = [0.1, 0.2, 0.3, 0.4, 0.5, -0.3, 0.25, 1, 0.5, 0.7]
        model.zeroGradients()
        let result = try model.accumulateGradients(TokenBatch(batchSize: B, length: T, inputs: inputs,
                                                              targets: targets, weights: weights))
        var params: [String: [Double]] = [:]
        for spec in model.tensors { params[spec.name] = model.tensor(named: spec.name)!.map(Double.init) }
        func loss(_ p: [String: [Double]]) -> Double {
            let logits = Reference.gptLogits(p, layers: 2, C: 8, NH: 2, V: 11, tokens: inputs, B: B, T: T)
            var total = 0.0
            for bt in 0..<(B * T) where targets[bt] >= 0 {
                total -= Double(weights[bt]) * Reference.logSoftmax(Array(logits[(bt * 11)..<((bt + 1) * 11)]))[Int(targets[bt])]
            }
            return total
        }
        XCTAssertEqual(result.loss, loss(params), accuracy: 1e-4 * max(1, abs(result.loss)))
        let logits = try model.logits(tokens: inputs, batchSize: B, length: T)
        XCTAssertLessThan(maxRelative(logits, Reference.gptLogits(params, layers: 2, C: 8, NH: 2, V: 11,
                                                                 tokens: inputs, B: B, T: T)), 1e-4)
        var worst = 0.0
        for spec in model.tensors {
            let n = spec.count
            let indices = Array(stride(from: 0, to: n, by: max(1, n / 12)))
            let analytic = model.gradient(named: spec.name)!
            let numeric = Reference.numericGradient({ values in
                var p = params
                p[spec.name] = values
                return loss(p)
            }, at: params[spec.name]!, indices: indices)
            // wpe rows past T get no gradient; both sides must say 0.
            let error = check(spec.name, indices.map { analytic[$0] }, numeric)
            worst = max(worst, error)
        }
        print("whole-model gradient check: worst relative error \(worst)")
    }

    // MARK: - helpers

    @discardableResult
    func check(_ what: String, _ analytic: [Float], _ numeric: [Double], file: StaticString = #filePath,
               line: UInt = #line) -> Double {
        XCTAssertEqual(analytic.count, numeric.count, file: file, line: line)
        let analyticD = analytic.map(Double.init)
        let norm = numeric.map { $0 * $0 }.reduce(0, +).squareRoot()
        if norm < 1e-9 {
            let largest = analyticD.map(abs).max() ?? 0
            XCTAssertLessThan(largest, 1e-6, "\(what): expected a zero gradient", file: file, line: line)
            return largest
        }
        let error = Reference.relativeError(analyticD, numeric)
        print("gradient check \(what): relative error \(String(format: "%.2e", error))")
        XCTAssertLessThan(error, tolerance, "\(what): relative error \(error)", file: file, line: line)
        return error
    }

    func maxRelative(_ a: [Float], _ b: [Double]) -> Double {
        let scale = max(b.map(abs).max() ?? 0, 1e-12)
        return zip(a, b).map { abs(Double($0) - $1) }.max().map { $0 / scale } ?? 0
    }

    func maxAbsolute(_ a: [Float], _ b: [Double]) -> Double {
        zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
    }
}
