// The runtime's ABI version as a type, so generated code checks it when it is
// compiled: a generated file from another Kiln names a type this runtime does
// not have, and the build fails at that line (as swift-protobuf's generated
// code checks its runtime), long before a load-time mismatch.

/// Present in runtimes that speak ABI 13. Generated model classes refer to it.
public enum KilnRuntimeABI13 {}
