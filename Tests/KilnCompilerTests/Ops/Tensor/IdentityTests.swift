// Identity: the output is the input; folds constants, vanishes when lowered.

import Testing

@testable import KilnCompiler

@Suite struct IdentityTests {
    @Test func outputIsTheInput() throws {
        let identity = try Identity.parse()
        #expect(try identity.inferTypes(OpInputs(.value(.int32, [2, 3]))) == [TensorType(.int32, [2, 3])])
        #expect(try identity.evaluate(OpInputs(.constant(.int32s([4, 5])))) == [.int32s([4, 5])])
        #expect(try identity.evaluate(OpInputs(.value(.int32, [2]))) == nil)
        #expect(try identity.lower(OpInputs(.value(.int32, [2]))).replacements == [.input(0)])
    }
}
