import Foundation

/// The safetensors format (Hugging Face): an 8-byte little-endian header
/// length N, N bytes of JSON naming each tensor's dtype, shape and byte
/// range in the data that follows, then the data. Pivot writes and reads
/// F32 only. Reading checks everything a damaged or truncated file could
/// get wrong and throws an error that says what, never trapping.
public enum SafeTensors {
    /// One tensor's entry in the header.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var dtype: String
        public var shape: [Int]
        /// Byte range inside the data section.
        public var begin: Int, end: Int
    }

    /// A parsed file: its entries and the raw data section.
    public struct File: Sendable {
        public var entries: [String: Entry]
        public var metadata: [String: String]
        public var data: Data
        /// Where the data section starts inside the file.
        var dataStart: Int

        /// The values of an F32 tensor (its entry already checked).
        public func floats(_ entry: Entry) -> [Float] {
            let count = (entry.end - entry.begin) / 4
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { out in
                data.withUnsafeBytes { raw in
                    out.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[(dataStart + entry.begin)..<(dataStart + entry.end)]))
                }
            }
            // Stored little-endian; convert on big-endian hosts.
            if UInt32(littleEndian: 1) != 1 {
                for i in 0..<count { values[i] = Float(bitPattern: UInt32(littleEndian: values[i].bitPattern)) }
            }
            return values
        }
    }

    /// Largest header accepted (real headers are kilobytes).
    static let maxHeaderBytes = 100 << 20

    /// Serialises named F32 tensors, packed in the given order.
    public static func encode(_ tensors: [(name: String, shape: [Int], values: UnsafeBufferPointer<Float>)],
                              metadata: [String: String] = [:]) throws(EngineError) -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for tensor in tensors {
            let bytes = tensor.values.count * 4
            header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        var json: Data
        do {
            json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        } catch {
            throw .invalidArgument("cannot encode safetensors header: \(error)")
        }
        // Pad with spaces so the data starts 8-byte aligned (as the reference writer does).
        while json.count % 8 != 0 { json.append(0x20) }
        var file = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        for tensor in tensors {
            if UInt32(littleEndian: 1) == 1 {
                file.append(UnsafeBufferPointer(start: UnsafeRawPointer(tensor.values.baseAddress!)
                    .assumingMemoryBound(to: UInt8.self), count: tensor.values.count * 4))
            } else {
                for value in tensor.values {
                    withUnsafeBytes(of: value.bitPattern.littleEndian) { file.append(contentsOf: $0) }
                }
            }
        }
        return file
    }

    /// Parses and checks a whole file; `name` is used in error messages.
    public static func decode(_ data: Data, name: String = "model.safetensors") throws(EngineError) -> File {
        func bad(_ what: String) -> EngineError { .invalidArgument("\(name): \(what)") }
        if data.count < 8 {
            throw bad("file is truncated: \(data.count) bytes, but a safetensors file starts with an 8-byte header length")
        }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(data[data.startIndex + i]) << (8 * UInt64(i)) }
        if headerLength > UInt64(maxHeaderBytes) {
            throw bad("header length \(headerLength) bytes is implausible (more than \(maxHeaderBytes)); the file is corrupt")
        }
        let available = data.count - 8
        if Int(headerLength) > available {
            throw bad("file is truncated: the header should be \(headerLength) bytes but only \(available) follow the length")
        }
        let dataStart = 8 + Int(headerLength)
        let dataSize = data.count - dataStart
        let headerBytes = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + dataStart))
        guard let parsed = try? JSONSerialization.jsonObject(with: headerBytes), let header = parsed as? [String: Any] else {
            throw bad("header is not a JSON object (the file is corrupt)")
        }
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for key in header.keys.sorted() {
            guard let value = header[key] else { continue }
            if key == "__metadata__" {
                guard let table = value as? [String: Any] else { throw bad("__metadata__ is not an object") }
                for (k, v) in table {
                    guard let text = v as? String else { throw bad("__metadata__ value '\(k)' is not a string") }
                    metadata[k] = text
                }
                continue
            }
            guard let fields = value as? [String: Any] else { throw bad("entry '\(key)' is not an object") }
            guard let dtype = fields["dtype"] as? String else { throw bad("tensor '\(key)' has no dtype") }
            guard let shapeValues = fields["shape"] as? [Any] else { throw bad("tensor '\(key)' has no shape") }
            guard let offsetValues = fields["data_offsets"] as? [Any], offsetValues.count == 2 else {
                throw bad("tensor '\(key)' has no data_offsets [begin, end]")
            }
            var shape: [Int] = []
            var count = 1
            for dimension in shapeValues {
                guard let n = exactInt(dimension), n >= 0, n <= 1 << 40 else {
                    throw bad("tensor '\(key)' has a bad shape \(shapeValues)")
                }
                shape.append(n)
                let (product, overflow) = count.multipliedReportingOverflow(by: n)
                if overflow || product > 1 << 40 { throw bad("tensor '\(key)' has an implausible shape \(shape)") }
                count = product
            }
            guard let begin = exactInt(offsetValues[0]), let end = exactInt(offsetValues[1]), begin >= 0, end >= begin else {
                throw bad("tensor '\(key)' has bad data_offsets \(offsetValues)")
            }
            if dtype != "F32" { throw bad("tensor '\(key)' has dtype \(dtype); Pivot reads F32 only") }
            if end > dataSize {
                throw bad("file is truncated: tensor '\(key)' needs bytes \(begin)..<\(end) of the data but the data holds \(dataSize) bytes")
            }
            if end - begin != count * 4 {
                throw bad("tensor '\(key)' has shape \(shape) (\(count * 4) bytes as F32) but its data_offsets span \(end - begin) bytes")
            }
            entries[key] = Entry(name: key, dtype: dtype, shape: shape, begin: begin, end: end)
        }
        let ordered = entries.values.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
        for (previous, next) in zip(ordered, ordered.dropFirst()) where next.begin < previous.end {
            throw bad("tensors '\(previous.name)' and '\(next.name)' overlap in the data")
        }
        return File(entries: entries, metadata: metadata, data: data, dataStart: dataStart)
    }

    /// An integer from JSON (NSNumber), rejecting fractions.
    static func exactInt(_ value: Any) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 9e15 else { return nil }
        return number.intValue
    }
}
