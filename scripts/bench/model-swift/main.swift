// pivot-bench-model: drives the Engine's transformer for scripts/bench/model
// and scripts/check/hf_interop.py. Prints one JSON object per command.
//
//   pivot-bench-model peak                       sgemm GFLOP/s (2048³, all cores)
//   pivot-bench-model train  L D H CTX BATCH STEPS [blasThreads|splitRows]
//   pivot-bench-model sample L D H CTX BATCH NEW   [blasThreads|splitRows]
//   pivot-bench-model export DIR                 a trained tiny checkpoint + expected.json
import COpenBLAS
import Engine
import Foundation

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// CPU seconds this process has used (user + system): steadier than wall
/// time when other work shares the machine.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func emit(_ object: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

func peak() {
    let n = 2048
    let a = [Float](repeating: 0.5, count: n * n), b = a
    var c = [Float](repeating: 0, count: n * n)
    openblas_set_num_threads(Int32(ProcessInfo.processInfo.activeProcessorCount))
    var best = 0.0
    for _ in 0..<4 {
        let start = now()
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0, &c, Int32(n))
        best = max(best, 2 * Double(n * n * n) / (now() - start) / 1e9)
    }
    emit(["peak_gflops": best])
}

/// FLOPs of one training step (forward + backward ≈ 3× forward), matmuls only.
func trainFlops(_ c: GPTConfig, B: Int, T: Int) -> Double {
    let BT = Double(B * T), C = Double(c.dim), L = Double(c.layers), V = Double(c.vocabSize)
    let perLayer = 2 * BT * C * C * 12 + 2 * 2 * Double(B) * Double(T * T) * C / 2  // linears + causal attention
    return 3 * (L * perLayer + 2 * BT * C * V)
}

func train(_ args: [String]) throws {
    let n = args.prefix(6).map { Int($0)! }
    if args.count > 6 { ModelThreading.matmul = ModelThreading(rawValue: args[6])! }
    let config = GPTConfig(layers: n[0], dim: n[1], heads: n[2], context: n[3], vocabSize: 259)
    let B = n[4], steps = n[5], T = config.context
    let model = try GPTModel(config: config, seed: 0)
    var random = ModelRandom(seed: 1)
    let tokens = (0..<(B * T)).map { _ in Int32(random.nextIndex(256)) }
    let targets = (0..<(B * T)).map { _ in Int32(random.nextIndex(256)) }
    let batch = TokenBatch(batchSize: B, length: T, inputs: tokens, targets: targets,
                           weights: [Float](repeating: 1 / Float(B * T), count: B * T))
    let optimizer = try AdamW(model: model)
    func step() throws {
        model.zeroGradients()
        _ = try model.accumulateGradients(batch)
        model.clipGradients(maxNorm: 1)
        try optimizer.update(model, learningRate: 1e-4)
    }
    try step()  // warm-up: plans buffers
    var times: [Double] = []
    let cpuStart = cpuSeconds()
    for _ in 0..<steps {
        let start = now()
        try step()
        times.append(now() - start)
    }
    let median = times.sorted()[times.count / 2]
    let cpuPerStep = (cpuSeconds() - cpuStart) / Double(steps)
    emit(["tokens_per_second": Double(B * T) / median, "seconds_per_step": median, "cpu_seconds_per_step": cpuPerStep,
          "gflops": trainFlops(config, B: B, T: T) / median / 1e9, "threading": ModelThreading.matmul.rawValue])
}

func sample(_ args: [String]) throws {
    let n = args.prefix(6).map { Int($0)! }
    if args.count > 6 { ModelThreading.matmul = ModelThreading(rawValue: args[6])! }
    let config = GPTConfig(layers: n[0], dim: n[1], heads: n[2], context: n[3], vocabSize: 259)
    let B = n[4], newTokens = n[5]
    let model = try GPTModel(config: config, seed: 0)
    let tokenizer = ByteTokenizer()
    let prompt = tokenizer.encode("Invert [[2,1],[1,1]]: ")
    let settings = SamplingSettings(temperature: 1, maxTokens: newTokens, stopAtEOS: false, seed: 3)
    _ = try model.generate(prompts: [prompt], samplesPerPrompt: B, settings: settings, tokenizer: tokenizer)
    var best = Double.infinity
    let cpuStart = cpuSeconds()
    for _ in 0..<3 {
        let start = now()
        let out = try model.generate(prompts: [prompt], samplesPerPrompt: B, settings: settings, tokenizer: tokenizer)
        precondition(out.allSatisfy { $0.tokens.count == newTokens })
        best = min(best, now() - start)
    }
    emit(["tokens_per_second": Double(B * newTokens) / best, "seconds": best, "cpu_seconds": (cpuSeconds() - cpuStart) / 3, "threading": ModelThreading.matmul.rawValue])
}

/// Trains a small model briefly (so its weights are not just the init),
/// saves it, and writes what the Engine computes for a few sequences.
func export(_ directory: String) throws {
    let tokenizer = ByteTokenizer()
    let config = GPTConfig(layers: 2, dim: 64, heads: 4, context: 32, vocabSize: tokenizer.vocabSize)
    let model = try GPTModel(config: config, seed: 5)
    let trainer = try SFTTrainer(model: model, settings: SFTSettings(
        schedule: .constant(3e-3), padToken: tokenizer.padToken))
    let texts = ["[[1,2],[3,4]]^T=[[1,3],[2,4]]", "[[5,0],[7,1]]^T=[[5,7],[0,1]]", "[[9,8],[6,2]]^T=[[9,6],[8,2]]"]
    for _ in 0..<30 {
        _ = try trainer.step(texts.map { text in
            let parts = text.split(separator: "=", maxSplits: 1)
            return SFTExample(prompt: tokenizer.encode(String(parts[0]) + "="),
                              completion: tokenizer.encode(String(parts[1])) + [tokenizer.eosToken])
        })
    }
    let url = URL(fileURLWithPath: directory)
    try Checkpoint.save(model, tokenizer: tokenizer, to: url)
    let sequences = texts.map { tokenizer.encode($0) } + [tokenizer.encode("transpose")]
    var cases: [[String: Any]] = []
    for sequence in sequences {
        let logits = try model.logits(tokens: sequence, batchSize: 1, length: sequence.count)
        let prompt = Array(sequence.prefix(4)), completion = Array(sequence.dropFirst(4))
        let logProbs = try model.completionLogProbs(prompts: [prompt], completions: [completion], padToken: tokenizer.padToken)[0]
        cases.append(["tokens": sequence.map(Int.init), "logits": logits.map(Double.init),
                      "prompt_length": 4, "completion_logprobs": logProbs.map(Double.init)])
    }
    let data = try JSONSerialization.data(withJSONObject: ["vocab_size": config.vocabSize, "cases": cases])
    try data.write(to: url.appendingPathComponent("expected.json"))
    emit(["exported": directory])
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "peak": peak()
    case "train": try train(Array(arguments.dropFirst()))
    case "sample": try sample(Array(arguments.dropFirst()))
    case "export": try export(arguments[1])
    default:
        FileHandle.standardError.write(Data("usage: pivot-bench-model peak|train|sample|export ...\n".utf8))
        exit(64)
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(70)
}
