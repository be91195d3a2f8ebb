// The SPIR-V opcodes and enumerants the builder uses, with the numbers the
// SPIR-V 1.3 specification gives them (section 3, "Binary Form").

/// An instruction opcode.
public enum SPIRVOp: UInt16, Sendable {
    case name = 5, memberName = 6
    case extInstImport = 11, extInst = 12, memoryModel = 14, entryPoint = 15, executionMode = 16, capability = 17
    case typeVoid = 19, typeBool = 20, typeInt = 21, typeFloat = 22, typeVector = 23
    case typeImage = 25, typeSampledImage = 27
    case typeArray = 28, typeRuntimeArray = 29, typeStruct = 30, typePointer = 32, typeFunction = 33
    case constantTrue = 41, constantFalse = 42, constant = 43, constantComposite = 44
    case specConstantTrue = 48, specConstantFalse = 49, specConstant = 50, specConstantComposite = 51
    case function = 54, functionParameter = 55, functionEnd = 56
    case variable = 59, load = 61, store = 62, accessChain = 65
    case decorate = 71, memberDecorate = 72
    case compositeConstruct = 80, compositeExtract = 81
    case fetch = 95, image = 100
    case convertFToU = 109, convertFToS = 110, convertSToF = 111, convertUToF = 112, fConvert = 115, bitcast = 124
    case sNegate = 126, fNegate = 127
    case iAdd = 128, fAdd = 129, iSub = 130, fSub = 131, iMul = 132, fMul = 133, uDiv = 134, sDiv = 135, fDiv = 136
    case uMod = 137, fRem = 140, fMod = 141
    case uMulExtended = 151
    case isNan = 156, isInf = 157
    case logicalEqual = 164, logicalNotEqual = 165, logicalOr = 166, logicalAnd = 167, logicalNot = 168
    case select = 169, iEqual = 170, iNotEqual = 171, uGreaterThan = 172, sGreaterThan = 173
    case uGreaterThanEqual = 174, sGreaterThanEqual = 175, uLessThan = 176, sLessThan = 177
    case uLessThanEqual = 178, sLessThanEqual = 179
    case fOrdEqual = 180, fOrdNotEqual = 182, fUnordNotEqual = 183, fOrdLessThan = 184, fOrdGreaterThan = 186, fOrdLessThanEqual = 188
    case fOrdGreaterThanEqual = 190
    case shiftRightLogical = 194, shiftRightArithmetic = 195, shiftLeftLogical = 196
    case bitwiseOr = 197, bitwiseXor = 198, bitwiseAnd = 199, not = 200
    case bitFieldSExtract = 202, bitFieldUExtract = 203
    case controlBarrier = 224
    case groupNonUniformFAdd = 350, groupNonUniformFMul = 352, groupNonUniformFMin = 355, groupNonUniformFMax = 358
    case phi = 245, loopMerge = 246, selectionMerge = 247, label = 248, branch = 249, branchConditional = 250
    case `return` = 253
}

/// Where a pointer points.
public enum SPIRVStorageClass: UInt32, Sendable {
    case uniformConstant = 0, input = 1, uniform = 2, output = 3, workgroup = 4, function = 7, pushConstant = 9
    case storageBuffer = 12
}

/// Decorations.
public enum SPIRVDecoration: UInt32, Sendable {
    case specID = 1, block = 2, arrayStride = 6, builtIn = 11, nonWritable = 24, nonReadable = 25
    case binding = 33, descriptorSet = 34, offset = 35
}

/// Built-in variables (for the `BuiltIn` decoration).
public enum SPIRVBuiltIn: UInt32, Sendable {
    case workgroupSize = 25, workgroupID = 26, localInvocationID = 27, globalInvocationID = 28
    case numSubgroups = 38, subgroupID = 40, subgroupLocalInvocationID = 41
}

/// `GLSL.std.450` extended instructions.
public enum GLSLInstruction: UInt32, Sendable {
    case roundEven = 2, trunc = 3, fAbs = 4, sAbs = 5, fSign = 6, sSign = 7, floor = 8, ceil = 9
    case sin = 13, cos = 14, tan = 15, asin = 16, acos = 17, atan = 18
    case sinh = 19, cosh = 20, tanh = 21, asinh = 22, acosh = 23, atanh = 24
    case exp = 27, log = 28, sqrt = 31, fMin = 37, uMin = 38, sMin = 39, fMax = 40, uMax = 41, sMax = 42
    case fma = 50, ldexp = 53, findUMsb = 75
}
