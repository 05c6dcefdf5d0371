import Foundation

/// Turns text into token ids and back. Every tokenizer has an
/// end-of-sequence and a padding token among its special tokens.
public protocol Tokenizer: Sendable {
    /// Number of ids, special tokens included (the model's vocabulary size).
    var vocabSize: Int { get }
    /// Special tokens by name ("<|endoftext|>" -> 256).
    var specialTokens: [String: Int32] { get }
    var eosToken: Int32 { get }
    var padToken: Int32 { get }
    /// The ids of `text`; special-token names in the text are not special.
    func encode(_ text: String) -> [Int32]
    /// The text of `tokens`; special tokens decode to nothing.
    func decode(_ tokens: [Int32]) -> String
    /// The JSON object saved beside a checkpoint (`tokenizer.json`).
    var descriptionJSON: [String: Any] { get }
}

/// Bytes as tokens: byte b is id b (UTF-8 of the text), special tokens
/// follow at 256, 257, ... No BOS is added to a prompt.
public struct ByteTokenizer: Tokenizer, Equatable {
    /// Special token names in id order, starting at 256.
    public let specialNames: [String]

    public static let endOfText = "<|endoftext|>"
    public static let padding = "<|pad|>"
    public static let beginOfText = "<|bos|>"

    /// The default: EOS = 256, PAD = 257, BOS = 258 (the last unused by default).
    public init() { specialNames = [Self.endOfText, Self.padding, Self.beginOfText] }

    /// Custom specials; the list must contain the EOS and PAD names once each.
    public init(specialNames: [String]) throws(EngineError) {
        for required in [Self.endOfText, Self.padding] where !specialNames.contains(required) {
            throw .invalidArgument("byte tokenizer needs the special token \(required)")
        }
        if Set(specialNames).count != specialNames.count {
            throw .invalidArgument("byte tokenizer special tokens must be distinct")
        }
        self.specialNames = specialNames
    }

    public var vocabSize: Int { 256 + specialNames.count }

    public var specialTokens: [String: Int32] {
        var table: [String: Int32] = [:]
        for (i, name) in specialNames.enumerated() { table[name] = Int32(256 + i) }
        return table
    }

    public var eosToken: Int32 { Int32(256 + (specialNames.firstIndex(of: Self.endOfText) ?? 0)) }
    public var padToken: Int32 { Int32(256 + (specialNames.firstIndex(of: Self.padding) ?? 1)) }

    public func encode(_ text: String) -> [Int32] { text.utf8.map { Int32($0) } }

    public func decode(_ tokens: [Int32]) -> String {
        String(decoding: tokens.compactMap { $0 >= 0 && $0 < 256 ? UInt8($0) : nil }, as: UTF8.self)
    }

    public var descriptionJSON: [String: Any] {
        ["type": "bytes", "vocab_size": vocabSize, "special_tokens": specialTokens.mapValues { Int($0) },
         "eos_token": Self.endOfText, "pad_token": Self.padding, "add_bos": false]
    }
}

/// Reading and writing `tokenizer.json`.
public enum TokenizerFile {
    public static let name = "tokenizer.json"

    public static func encode(_ tokenizer: any Tokenizer) throws(EngineError) -> Data {
        do {
            return try JSONSerialization.data(withJSONObject: tokenizer.descriptionJSON,
                                              options: [.prettyPrinted, .sortedKeys])
        } catch {
            throw .invalidArgument("cannot write tokenizer description: \(error)")
        }
    }

    /// Rebuilds a tokenizer from its description; throws what is wrong.
    public static func decode(_ data: Data) throws(EngineError) -> any Tokenizer {
        guard let object = try? JSONSerialization.jsonObject(with: data), let json = object as? [String: Any] else {
            throw .invalidArgument("\(name) is not a JSON object")
        }
        guard let type = json["type"] as? String else { throw .invalidArgument("\(name) has no \"type\"") }
        switch type {
        case "bytes":
            guard let specials = json["special_tokens"] as? [String: Any] else {
                throw .invalidArgument("\(name): byte tokenizer has no \"special_tokens\" object")
            }
            var byId: [Int: String] = [:]
            for (name, value) in specials {
                guard let id = value as? Int, id >= 256, id < 256 + specials.count, byId[id] == nil else {
                    throw .invalidArgument("\(Self.name): special token \(name) has a bad id \(value)")
                }
                byId[id] = name
            }
            return try ByteTokenizer(specialNames: (0..<specials.count).map { byId[256 + $0] ?? "" })
        case "charton":
            return try ChartonTokenizer(description: json)
        default:
            throw .invalidArgument("\(name): unknown tokenizer type \"\(type)\"")
        }
    }
}
