// The members a generated class gets for a bounded dim: its bound, the
// current extent and a setter, named after the dim (`batch` → `maxBatch`,
// `batch`, `setBatch(_:)`), or `maxExtent`, `extent`, `setExtent(_:)` where
// those names are taken.

/// Names and text of the bounded-dim members of one generated class.
struct ExtentMembers {
    let dim: BoundedDim
    let property: String
    let bound: String
    let setter: String

    /// The names every class reserves for the fallback.
    static let fallbackNames: Set<String> = ["extent", "maxExtent", "setExtent"]

    /// `taken`: the tensor properties, their span accessors and the
    /// members every class has.
    init(_ dim: BoundedDim, taken: Set<String>) {
        self.dim = dim
        let base = SwiftIdentifier.lowerCamel(dim.name)
        let upper = base.prefix(1).uppercased() + base.dropFirst()
        let derived = [base, "max" + upper, "set" + upper]
        let free = derived.allSatisfy {
            !taken.contains($0) && !SwiftIdentifier.keywords.contains($0) && !Self.fallbackNames.contains($0)
        }
        (property, bound, setter) = free ? (derived[0], derived[1], derived[2]) : ("extent", "maxExtent", "setExtent")
    }

    /// The members' declarations, indented for the class body.
    func declarations(access: String) -> String {
        let name = GeneratedText.comment(dim.name)
        return """
                /// The most items along `\(name)` one call takes: the bound the model was
                /// compiled for (its config's `{"max": \(dim.bound)}`).
                \(access) static let \(bound) = \(dim.bound)

                /// Items along `\(name)` the next ``run()`` computes (``\(bound)`` until set):
                /// `predict` sets it from its inputs' counts, and the in-place input and
                /// output buffers hold that many.
                \(access) var \(property): Int { runtime.extent() }

                /// Sets how many items along `\(name)` the next calls compute, before
                /// writing inputs in place; kernels skip the rest of the bound.
                /// - Throws: `KilnError.extentOutOfBounds` outside 1 … ``\(bound)``.
                \(access) func \(setter)(_ count: Int) throws(KilnError) { try runtime.setExtent(count) }


            """
    }
}
