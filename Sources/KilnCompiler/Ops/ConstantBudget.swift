// How much data constant folding may create. Real models carry constants up
// to protobuf's 2 GB limit (VGG-19's first fully connected weight is 411 MB,
// sometimes made by ConstantOfShape), so one fold may make that much; a
// model that claims more is refused before anything is allocated. In total,
// folding may create 256 MiB plus twice the model's own weights (a transposed
// or cast copy of each): enough for real models (VGG's weights let it fold
// that 411 MB constant), while a 100 KB file whose Concats double a constant
// twenty times stops quickly, with an error naming the node.

enum ConstantBudget {
    /// The most bytes one folded constant may hold: protobuf's 2 GiB message limit.
    static let maxBytes = 1 << 31

    /// What any model may fold in all, weights aside: folds run element by
    /// element, so this also bounds compile time (a debug kilnc folds a
    /// 64 Mi-element broadcast in seconds).
    static let baseTotal = 256 << 20

    /// The total a model with `weightBytes` of initializers may fold.
    static func total(weightBytes: Int) -> Int {
        let (doubled, overflow) = weightBytes.multipliedReportingOverflow(by: 2)
        return overflow ? Int.max : baseTotal + min(doubled, Int.max - baseTotal)
    }

    /// Fails when folding `bytes` more, after `folded` bytes so far, would exceed `budget`.
    static func check(bytes: Int, folded: Int, budget: Int, at location: SourceLocation) throws {
        guard bytes <= maxBytes, bytes <= budget - min(folded, budget) else {
            throw CompileError(
                .unsupportedFeature, at: location,
                "folding this node at compile time would create \(bytes) bytes of constants after \(folded) "
                    + "already folded; Kiln folds at most \(maxBytes) bytes per node and \(budget) in all for this "
                    + "model (256 MiB plus twice its weights), so a model that asks for more is refused")
        }
    }

    /// Fails when a folded result of `bytes` bytes would exceed the budget.
    static func check(bytes: Int, _ inputs: OpInputs) throws {
        guard bytes <= maxBytes else {
            throw inputs.error(
                .unsupportedFeature,
                "folding this node at compile time would create a \(bytes)-byte constant; "
                    + "Kiln folds constants of at most \(maxBytes) bytes (protobuf's 2 GiB limit)")
        }
    }
}
