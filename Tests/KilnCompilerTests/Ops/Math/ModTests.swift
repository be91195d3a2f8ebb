// Mod: fmod = 0 keeps the divisor's sign (Python's %), fmod = 1 the
// dividend's (C's fmod); integer remainders by 0 are 0, as in the kernels.

import Testing

@testable import KilnCompiler

@Suite struct ModTests {
    let dividends: [Int32] = [7, -7, 7, -7, 5, Int32.min]
    let divisors: [Int32] = [3, 3, -3, -3, 0, -1]

    @Test func floorModuloTakesTheDivisorsSign() throws {
        let inputs = OpInputs(.constant(.int32s(dividends)), .constant(.int32s(divisors)))
        let result = try #require(try Mod.parse().evaluate(inputs)?.first)
        #expect(result == .int32s([1, 2, -2, -1, 0, 0]))
    }

    @Test func fmodTakesTheDividendsSign() throws {
        let inputs = OpInputs(.constant(.int32s(dividends)), .constant(.int32s(divisors)))
        let result = try #require(try Mod.parse(["fmod": .int(1)]).evaluate(inputs)?.first)
        #expect(result == .int32s([1, -1, 1, -1, 0, 0]))
    }

    @Test func floatsFollowCAndNumPy() throws {
        let inputs = OpInputs(.floats([5.5, -5.5, 5.5, 4, 1]), .floats([2, 2, -2, 2, .infinity]))
        let fmod = try #require(try Mod.parse(["fmod": .int(1)]).evaluate(inputs)?.first)
        #expect(fmod.floats == [1.5, -1.5, 1.5, 0, 1])
        let modulo = try #require(try Mod.parse().evaluate(inputs)?.first)
        #expect(modulo.floats == [1.5, 0.5, -0.5, 0, 1])
    }

    @Test func fmodMustBeZeroOrOne() {
        expectCompileError(.invalidAttribute, "fmod must be 0 or 1, got 2") { try Mod.parse(["fmod": .int(2)]) }
    }

    @Test func lowersToTheMatchingBinaryOperator() throws {
        let inputs = OpInputs(.value(.int64, [4]), .value(.int64, [4]))
        #expect(try Mod.parse().lower(inputs).coreOp == .elementwise(.binary(.modulo)))
        #expect(try Mod.parse(["fmod": .int(1)]).lower(inputs).coreOp == .elementwise(.binary(.remainder)))
    }
}
