// How much data constant folding may create. Real models carry constants up
// to protobuf's 2 GB limit (VGG-19's first fully connected weight is 411 MB,
// sometimes made by ConstantOfShape), so the budget admits that; a model
// that claims more is refused before anything is allocated.

enum ConstantBudget {
    /// The most bytes one folded constant may hold: protobuf's 2 GiB message limit.
    static let maxBytes = 1 << 31

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
