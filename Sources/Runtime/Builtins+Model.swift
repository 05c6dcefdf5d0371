import Engine

extension Builtins {
    /// model, load_model, sft, evaluate.
    static func models() -> [Builtin] {
        [makeModel(), loadModel(), sft(), evaluate()]
    }

    static func makeModel() -> Builtin {
        Builtin("model", [
            .optional("layers", .int(4)), .optional("dim", .int(128)), .optional("heads", .int(4)), .optional("context", .int(128)),
            .optional("seed", .int(0)), .optional("tokenizer", .string("bytes")), .optional("dropout", .float(0)),
        ], help: """
            A new GPT-2-family transformer (initialised from seed), to train with sft and sample from.

            tokenizer: "bytes" (each UTF-8 byte a token; EOS 256, PAD 257) or one of
            Charton's number encodings "p10", "p1000", "fp15" (whitespace-separated
            words, for tasks with the same format). The vocabulary follows the
            tokenizer. Fields: config, parameters, tokenizer, seed, steps. Methods:
            m.sample(prompt, n:, temperature:, top_k:, top_p:, max_tokens:, stop:,
            seed:) gives a record {prompt, text, tokens, logprobs, truncated, finish}
            (a list of them when n > 1 or prompt is a list; temperature 0 is greedy;
            a prompt may be an example record, templated as sft does);
            m.logprobs(prompt, completion) per-token log-probabilities and
            m.logprob(...) their sum; m.encode(text), m.decode(ids); m.save(dir);
            m.copy(). The same seed gives the same model, and sampling without
            seed: continues the model's own seeded stream.
              model(layers: 1, dim: 16, heads: 2, context: 32).parameters   # 7968
              model(layers: 1, dim: 16, heads: 2, context: 32, tokenizer: "p1000").config.vocab   # 1254
              model(layers: 1, dim: 8, heads: 1, context: 8).encode("hi")   # [104, 105]
            """) { args throws(Unwind) in
            let name = try args.string(5)
            guard let tokenizer = Tokenizers.named(name) else {
                throw args.fail("tokenizer must be one of \(Tokenizers.names.map { "\"\($0)\"" }.joined(separator: ", ")), got \"\(name)\"")
            }
            let seed = try args.int(4)
            let config = GPTConfig(layers: try args.int(0), dim: try args.int(1), heads: try args.int(2), context: try args.int(3),
                                   vocabSize: tokenizer.vocabSize, dropout: Float(try args.double(6)))
            let model = try args.engine { () throws(EngineError) in
                try GPTModel(config: config, seed: UInt64(bitPattern: Int64(seed)))
            }
            return .object(ModelObject(model: model, tokenizer: tokenizer, seed: seed))
        }
    }

    static func loadModel() -> Builtin {
        Builtin("load_model", [.required("dir")], help: """
            Reads a model saved by m.save(dir): weights, config, tokenizer and its sampling/SFT counters.

            The directory holds model.safetensors (Hugging Face GPT-2 names),
            config.json and tokenizer.json; transformers' GPT2LMHeadModel reads it
            as it is. A missing file, a wrong tensor name, shape or size is an
            error that names the file and what is wrong.
            """) { args throws(Unwind) in
            .object(try ModelObject.load(try args.string(0), args))
        }
    }
}

extension Arguments {
    /// Argument i as a model.
    func model(_ i: Int) throws(Unwind) -> ModelObject {
        guard case .object(let o) = values[i], let m = o as? ModelObject else { throw mismatch(i, "a model") }
        return m
    }
}
