/// Floats: shortest round-trip digits, always with a '.' or exponent so
/// they read as floats (`2.0`, `1e-05`, `inf`, `nan`).
/// Layout follows Python's repr, which our users read every day: plain
/// digits for decimal exponents -4 through 15, scientific otherwise
/// (`1e-05`, `1e+16`, `9007199254740994.0`).
///
/// With `significantDigits` (matrix display) the digits are rounded to that
/// many, and numbers of that many integer digits or more go scientific.
public func formatFloat(_ d: Double, significantDigits: Int? = nil) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d < 0 ? "-inf" : "inf" }
    // Swift gives the shortest round-trip digits; only the layout changes.
    let swift = "\(d.magnitude)"
    var mantissa = Substring(swift), exponent = 0
    if let e = swift.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        mantissa = swift[..<e]
        exponent = Int(swift[swift.index(after: e)...]) ?? 0
    }
    var digits = mantissa.filter { $0 != "." }
    let point = (mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) }
        ?? mantissa.count) + exponent
    // Strip leading zeros (0.001 -> digits 1, point moves) and trailing ones.
    var pointAfter = point
    while digits.count > 1, digits.first == "0" { digits.removeFirst(); pointAfter -= 1 }
    while digits.count > 1, digits.last == "0" { digits.removeLast() }
    if let limit = significantDigits, digits.count > limit {
        // Round half up on the decimal digits (display only).
        var kept = Array(digits.prefix(limit).utf8)
        if digits.utf8[digits.utf8.index(digits.utf8.startIndex, offsetBy: limit)] >= UInt8(ascii: "5") {
            var k = kept.count - 1
            while k >= 0 && kept[k] == UInt8(ascii: "9") { kept[k] = UInt8(ascii: "0"); k -= 1 }
            if k >= 0 { kept[k] += 1 } else { kept.insert(UInt8(ascii: "1"), at: 0); kept.removeLast(); pointAfter += 1 }
        }
        digits = String(decoding: kept, as: UTF8.self)
        while digits.count > 1, digits.last == "0" { digits.removeLast() }
    }
    let plainBelow = significantDigits ?? 16
    let decimalExponent = pointAfter - 1
    var out = d.sign == .minus ? "-" : ""
    if digits == "0" { return out + "0.0" }
    if decimalExponent >= -5 + 1 && decimalExponent < plainBelow {
        if pointAfter <= 0 {
            out += "0." + String(repeating: "0", count: -pointAfter) + digits
        } else if pointAfter >= digits.count {
            out += digits + String(repeating: "0", count: pointAfter - digits.count) + ".0"
        } else {
            out += digits.prefix(pointAfter) + "." + digits.dropFirst(pointAfter)
        }
    } else {
        out += String(digits.prefix(1))
        if digits.count > 1 { out += "." + digits.dropFirst() }
        out += (decimalExponent < 0 ? "e-" : "e+")
        let magnitude = abs(decimalExponent)
        out += (magnitude < 10 ? "0" : "") + String(magnitude)
    }
    return out
}
