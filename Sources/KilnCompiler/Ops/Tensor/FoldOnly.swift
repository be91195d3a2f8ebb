// The run-time lowering of ops Kiln so far evaluates only at compile time
// (in shape arithmetic): a clear error naming what must be constant.

extension Operator {
    /// Refuses a node whose inputs are not all compile-time constants.
    func constantOnly(_ inputs: OpInputs) throws -> Lowering {
        throw inputs.error(
            .unsupportedFeature,
            "\(Self.opType) is supported only when its inputs are compile-time constants (shape arithmetic); "
                + "here an input is computed at run time")
    }
}
