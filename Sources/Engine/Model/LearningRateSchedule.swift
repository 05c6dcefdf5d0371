import Foundation

/// Linear warm-up to the peak rate, then cosine decay to `minimum` at
/// `totalSteps` (and `minimum` after it), as in nanoGPT/llm.c.
public struct LearningRateSchedule: Sendable, Equatable, Codable {
    public var peak: Float
    public var minimum: Float
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(peak: Float, minimum: Float = 0, warmupSteps: Int = 0, totalSteps: Int) {
        self.peak = peak
        self.minimum = minimum
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// A constant rate.
    public static func constant(_ rate: Float) -> LearningRateSchedule {
        LearningRateSchedule(peak: rate, minimum: rate, warmupSteps: 0, totalSteps: 1)
    }

    func validate() throws(EngineError) {
        if !(peak.isFinite && peak >= 0) { throw .invalidArgument("learning rate must be at least 0, got \(peak)") }
        if !(minimum.isFinite && minimum >= 0 && minimum <= peak) {
            throw .invalidArgument("minimum learning rate must be in [0, \(peak)], got \(minimum)")
        }
        if warmupSteps < 0 { throw .invalidArgument("warm-up steps must be at least 0, got \(warmupSteps)") }
        if totalSteps < 1 { throw .invalidArgument("total steps must be at least 1, got \(totalSteps)") }
    }

    /// The rate for step `step` (0-based).
    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        if step >= totalSteps { return minimum }
        let span = max(totalSteps - warmupSteps, 1)
        let progress = Double(step - warmupSteps) / Double(span)
        let cosine = 0.5 * (1 + Foundation.cos(Double.pi * progress))
        return minimum + Float(cosine) * (peak - minimum)
    }
}
