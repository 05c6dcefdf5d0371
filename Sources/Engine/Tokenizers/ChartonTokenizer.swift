import Foundation

/// The number encodings of Charton's "Linear algebra with transformers"
/// (2021) as tokenizers: the text is a run of words separated by white
/// space, and each word is one token. The words are the ones
/// `ChartonEncoding` writes (Tasks/TaskSpec+Render.swift):
///
///     P10:   + 3 1 4 E-2     sign, three digit tokens, an exponent token
///     P1000: + 314 E-2       sign, one mantissa token (0...999), an exponent
///     FP15:  +314E-2         one token per number
///
/// plus the dimension words `V0`...`V32`, the compact format's operation
/// names (`T`, `inv`, `mul`, ...) and `=`, which separates a prompt from its
/// answer. P10 and P1000 spell exponents E-100...E100; FP15 spells
/// E-8...E7 (2 signs × 900 mantissas × 16 exponents + zero: about Charton's
/// 30,000 words), so it covers |x| from 1e-6 to 9.99e9.
///
/// Special tokens come first: EOS 0, PAD 1, BOS 2, UNK 3. A word outside
/// the vocabulary encodes as UNK; `encodeChecked` refuses it instead and
/// names it. Decoding joins words with single spaces, so text written by
/// `ChartonEncoding` decodes back exactly.
public struct ChartonTokenizer: Tokenizer, Equatable {
    public enum Encoding: String, CaseIterable, Sendable {
        case p10, p1000, fp15
    }

    public let encoding: Encoding
    let vocabulary: ChartonVocabulary

    public static let unknown = "<|unk|>"
    public static let specialNames = [ByteTokenizer.endOfText, ByteTokenizer.padding, ByteTokenizer.beginOfText, unknown]

    /// Exponents each encoding can spell.
    public static func exponents(_ encoding: Encoding) -> ClosedRange<Int> {
        encoding == .fp15 ? -8...7 : -100...100
    }

    /// Largest dimension word (`V32`).
    public static let maxDimension = 32

    /// Words of the compact format's prompts, and the prompt/answer separator.
    public static let operationWords = ["=", "T", "add", "mul", "matvec", "tr", "det", "inv", "rref", "rank",
                                        "solve", "null", "eig", "svals"]

    public init(_ encoding: Encoding) {
        self.encoding = encoding
        vocabulary = ChartonVocabulary.shared(encoding)
    }

    public static func == (a: ChartonTokenizer, b: ChartonTokenizer) -> Bool { a.encoding == b.encoding }

    public var vocabSize: Int { vocabulary.words.count }

    public var specialTokens: [String: Int32] {
        var table: [String: Int32] = [:]
        for (i, name) in Self.specialNames.enumerated() { table[name] = Int32(i) }
        return table
    }

    public var eosToken: Int32 { 0 }
    public var padToken: Int32 { 1 }
    public var unknownToken: Int32 { 3 }

    /// The words of `text` (split at ASCII white space).
    static func words(_ text: String) -> [Substring] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
    }

    public func encode(_ text: String) -> [Int32] {
        Self.words(text).map { vocabulary.ids[String($0)] ?? unknownToken }
    }

    /// The ids of `text`, or an error naming the first word the vocabulary
    /// does not hold.
    public func encodeChecked(_ text: String) throws(EngineError) -> [Int32] {
        var out: [Int32] = []
        for word in Self.words(text) {
            guard let id = vocabulary.ids[String(word)], id != unknownToken else {
                let range = Self.exponents(encoding)
                throw .invalidArgument("the \(encoding.rawValue) tokenizer has no word '\(word.prefix(40))' (it spells numbers as Charton's \(encoding.rawValue.uppercased()) with exponents E\(range.lowerBound)..E\(range.upperBound), dimensions V0..V\(Self.maxDimension), = and the compact operation names)")
            }
            out.append(id)
        }
        return out
    }

    public func decode(_ tokens: [Int32]) -> String {
        var words: [String] = []
        words.reserveCapacity(tokens.count)
        for t in tokens where t >= Int32(Self.specialNames.count) && Int(t) < vocabulary.words.count {
            words.append(vocabulary.words[Int(t)])
        }
        return words.joined(separator: " ")
    }

    /// The word of one token id (special tokens by their names), or nil.
    public func word(_ token: Int32) -> String? {
        token >= 0 && Int(token) < vocabulary.words.count ? vocabulary.words[Int(token)] : nil
    }

    public var descriptionJSON: [String: Any] {
        ["type": "charton", "encoding": encoding.rawValue, "vocab_size": vocabSize,
         "special_tokens": specialTokens.mapValues { Int($0) },
         "eos_token": ByteTokenizer.endOfText, "pad_token": ByteTokenizer.padding, "add_bos": false]
    }

    /// Rebuilds a tokenizer from its `tokenizer.json` description, checking
    /// that the vocabulary it implies is the one saved.
    public init(description json: [String: Any]) throws(EngineError) {
        guard let name = json["encoding"] as? String, let encoding = Encoding(rawValue: name) else {
            throw .invalidArgument("\(TokenizerFile.name): charton tokenizer needs \"encoding\" p10, p1000 or fp15")
        }
        self.init(encoding)
        if let size = json["vocab_size"], SafeTensors.exactInt(size) != vocabSize {
            throw .invalidArgument("\(TokenizerFile.name): a \(name) tokenizer has \(vocabSize) tokens, the file says \(size)")
        }
    }
}

/// The words of one encoding, in id order, and their ids. Built once per
/// encoding and shared (FP15 has about 29,000 words).
final class ChartonVocabulary: Sendable {
    let words: [String]
    let ids: [String: Int32]

    init(_ encoding: ChartonTokenizer.Encoding) {
        var words = ChartonTokenizer.specialNames
        words += ChartonTokenizer.operationWords
        words += ["+", "-"]
        words += (0...ChartonTokenizer.maxDimension).map { "V\($0)" }
        let exponents = ChartonTokenizer.exponents(encoding)
        switch encoding {
        case .p10:
            words += (0...9).map(String.init)
            words += exponents.map { "E\($0)" }
        case .p1000:
            words += (0...999).map(String.init)
            words += exponents.map { "E\($0)" }
        case .fp15:
            // Zero is written "+0E0" (ChartonEncoding.decompose gives 0, E0).
            words.append("+0E0")
            for sign in ["+", "-"] {
                for mantissa in 100...999 {
                    for e in exponents { words.append("\(sign)\(mantissa)E\(e)") }
                }
            }
        }
        self.words = words
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(words.count)
        for (i, w) in words.enumerated() where ids[w] == nil { ids[w] = Int32(i) }
        self.ids = ids
    }

    private static let p10 = ChartonVocabulary(.p10)
    private static let p1000 = ChartonVocabulary(.p1000)
    private static let fp15 = ChartonVocabulary(.fp15)

    static func shared(_ encoding: ChartonTokenizer.Encoding) -> ChartonVocabulary {
        switch encoding {
        case .p10: return p10
        case .p1000: return p1000
        case .fp15: return fp15
        }
    }
}

/// Tokenizers by the names the language uses: "bytes", "p10", "p1000", "fp15".
public enum Tokenizers {
    public static let names = ["bytes", "p10", "p1000", "fp15"]

    public static func named(_ name: String) -> (any Tokenizer)? {
        if name == "bytes" { return ByteTokenizer() }
        return ChartonTokenizer.Encoding(rawValue: name).map { ChartonTokenizer($0) }
    }

    /// The name of a tokenizer ("bytes", "p1000", ...).
    public static func name(of tokenizer: any Tokenizer) -> String {
        if let c = tokenizer as? ChartonTokenizer { return c.encoding.rawValue }
        return "bytes"
    }

    /// Encodes `text`, refusing words a word-level tokenizer cannot spell.
    public static func encodeChecked(_ text: String, _ tokenizer: any Tokenizer) throws(EngineError) -> [Int32] {
        if let c = tokenizer as? ChartonTokenizer { return try c.encodeChecked(text) }
        return tokenizer.encode(text)
    }
}
