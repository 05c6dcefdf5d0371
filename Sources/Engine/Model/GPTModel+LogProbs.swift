extension TokenBatch {
    /// Prompts followed by completions, right-padded: position i predicts
    /// token i+1; completion tokens get the weight `weight(sequence, k)` for
    /// the k-th completion token, prompt tokens and padding 0.
    public static func completions(prompts: [[Int32]], completions: [[Int32]], padToken: Int32, context: Int,
                                   weight: (Int, Int) -> Float) throws(EngineError) -> TokenBatch {
        if prompts.count != completions.count {
            throw .shapeMismatch("\(prompts.count) prompts but \(completions.count) completions")
        }
        if prompts.isEmpty { throw .invalidArgument("a batch needs at least one sequence") }
        var length = 1
        for (index, (prompt, completion)) in zip(prompts, completions).enumerated() {
            if prompt.isEmpty { throw .invalidArgument("prompt \(index) is empty; a prompt needs at least one token") }
            let total = prompt.count + completion.count
            if total - 1 > context {
                throw .invalidArgument("sequence \(index) has \(total) tokens; the model's context holds \(context + 1) (context \(context) plus the last target)")
            }
            length = max(length, total - 1)
        }
        let B = prompts.count
        var inputs = [Int32](repeating: padToken, count: B * length)
        var targets = [Int32](repeating: -1, count: B * length)
        var weights = [Float](repeating: 0, count: B * length)
        for b in 0..<B {
            let sequence = prompts[b] + completions[b]
            for i in 0..<(sequence.count - 1) {
                inputs[b * length + i] = sequence[i]
                targets[b * length + i] = sequence[i + 1]
                let k = i + 1 - prompts[b].count
                if k >= 0 { weights[b * length + i] = weight(b, k) }
            }
        }
        return TokenBatch(batchSize: B, length: length, inputs: inputs, targets: targets, weights: weights)
    }
}

extension GPTModel {
    /// log p(token) for every completion token given its prompt, all pairs
    /// in one packed forward (for the old and reference policies of GRPO):
    /// identical prompts run once. `temperature` divides the logits as
    /// sampling did.
    public func completionLogProbs(prompts: [[Int32]], completions: [[Int32]], padToken: Int32,
                                   temperature: Float = 1) throws(EngineError) -> [[Float]] {
        if padToken < 0 || Int(padToken) >= config.vocabSize {
            throw .invalidArgument("pad token \(padToken) is outside the vocabulary 0..<\(config.vocabSize)")
        }
        if prompts.count != completions.count {
            throw .shapeMismatch("\(prompts.count) prompts but \(completions.count) completions")
        }
        if prompts.isEmpty { throw .invalidArgument("a batch needs at least one sequence") }
        var unique: [[Int32]] = [], indexOf: [[Int32]: Int] = [:], promptIndex: [Int] = []
        for (index, prompt) in prompts.enumerated() {
            if prompt.isEmpty { throw .invalidArgument("prompt \(index) is empty; a prompt needs at least one token") }
            let total = prompt.count + completions[index].count
            if total - 1 > config.context {
                throw .invalidArgument("sequence \(index) has \(total) tokens; the model's context holds \(config.context + 1) (context \(config.context) plus the last target)")
            }
            if let known = indexOf[prompt] {
                promptIndex.append(known)
            } else {
                indexOf[prompt] = unique.count
                promptIndex.append(unique.count)
                unique.append(prompt)
            }
        }
        // An empty completion has no log-probabilities to compute.
        let scored = completions.indices.filter { !completions[$0].isEmpty }
        var result = [[Float]](repeating: [], count: completions.count)
        if scored.isEmpty { return result }
        let batch = try PackedBatch(prompts: unique, completions: scored.map { completions[$0] },
                                    promptIndex: scored.map { promptIndex[$0] }, context: config.context)
        for (row, logProbs) in zip(scored, try completionLogProbs(batch, temperature: temperature)) { result[row] = logProbs }
        return result
    }
}
