// Einsum: Einstein summation over any number of float operands, with
// ellipses (broadcast), repeated labels within an operand (diagonals) and
// implicit outputs. Decomposed: each operand takes its diagonals (Gathers on
// merged axes) and sums the labels no one else needs; operands then combine
// pairwise as one batched MatMul each (shared labels that stay become the
// batch, the rest are contracted); a last Transpose orders the result.
// float64 contracts as a broadcast product and a sum (no float64 MatMul).

struct Einsum: Operator {
    static let opType = "Einsum"
    let equation: String
    let opset: Int

    init(_ attributes: AttributeReader) throws {
        equation = try attributes.string("equation", default: "")
        guard !equation.isEmpty else { throw attributes.error("Einsum needs an 'equation'") }
        opset = attributes.opset
    }

    /// The labels of each operand and of the output, ellipses expanded to
    /// labels of their own ("0", "1", … right-aligned across operands).
    func labels(_ inputs: OpInputs) throws -> (operands: [[String]], output: [String], sizes: [String: Int]) {
        let text = equation.filter { !$0.isWhitespace }
        let sides = text.components(separatedBy: "->")
        guard sides.count <= 2 else { throw inputs.error(.invalidAttribute, "equation '\(equation)' has more than one '->'") }
        let terms = sides[0].components(separatedBy: ",")
        guard terms.count == inputs.count else {
            throw inputs.error(.invalidAttribute, "equation '\(equation)' names \(terms.count) operands; the node has \(inputs.count)")
        }
        func letters(_ term: String) throws -> (before: [String], ellipsis: Bool, after: [String]) {
            let parts = term.components(separatedBy: "...")
            guard parts.count <= 2 else { throw inputs.error(.invalidAttribute, "'\(term)' has more than one ellipsis") }
            for part in parts where !part.allSatisfy({ $0.isLetter && $0.isASCII }) {
                throw inputs.error(.invalidAttribute, "'\(term)' in equation '\(equation)' holds a character that is not a label")
            }
            return (parts[0].map(String.init), parts.count == 2, parts.count == 2 ? parts[1].map(String.init) : [])
        }
        var operands: [[String]] = []
        var sizes: [String: Int] = [:]
        var ellipsisRank = 0
        var parsed: [(before: [String], ellipsis: Bool, after: [String])] = []
        for (position, term) in terms.enumerated() {
            let shape = try inputs.require(position, "operand \(position)", in: float32Computed.union([.float64])).shape
            let parts = try letters(term)
            let explicit = parts.before.count + parts.after.count
            guard parts.ellipsis ? shape.count >= explicit : shape.count == explicit else {
                throw inputs.error(.shapeMismatch, "operand \(position) \(shape) does not have the rank '\(term)' describes")
            }
            if parts.ellipsis { ellipsisRank = max(ellipsisRank, shape.count - explicit) }
            parsed.append(parts)
        }
        for (position, parts) in parsed.enumerated() {
            let shape = try inputs.type(position).shape
            let covered = shape.count - parts.before.count - parts.after.count
            let broadcast = parts.ellipsis ? (0..<covered).map { String(ellipsisRank - covered + $0) } : []
            let names = parts.before + broadcast + parts.after
            for (name, size) in zip(names, shape) {
                if let known = sizes[name], known != size {
                    // Ellipsis axes broadcast (a 1 meets any size); named labels must agree.
                    guard name.first?.isNumber == true, known == 1 || size == 1 else {
                        throw inputs.error(.shapeMismatch, "label '\(name)' is \(known) in one place and \(size) in another")
                    }
                    sizes[name] = max(known, size)
                } else {
                    sizes[name] = size
                }
            }
            operands.append(names)
        }
        let ellipsisLabels = (0..<ellipsisRank).map(String.init)
        var output: [String]
        if sides.count == 2 {
            let parts = try letters(sides[1])
            output = parts.before + (parts.ellipsis ? ellipsisLabels : []) + parts.after
            for name in output where sizes[name] == nil {
                throw inputs.error(.invalidAttribute, "output label '\(name)' appears in no operand")
            }
            guard Set(output).count == output.count else {
                throw inputs.error(.invalidAttribute, "output labels of '\(equation)' repeat")
            }
        } else {
            let counts = operands.joined().reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
            output = ellipsisLabels + counts.filter { $0.value == 1 && $0.key.first?.isLetter == true }.keys.sorted()
        }
        return (operands, output, sizes)
    }

    func inferTypes(_ inputs: OpInputs) throws -> [TensorType] {
        let (_, output, sizes) = try labels(inputs)
        let dtypes = Set(try (0..<inputs.count).map { try inputs.type($0).dtype })
        guard dtypes.count == 1, let dtype = dtypes.first else {
            throw inputs.error(.shapeMismatch, "Einsum operands must share one element type, got \(dtypes)")
        }
        return [TensorType(dtype, output.map { sizes[$0] ?? 1 })]
    }

    func lower(_ inputs: OpInputs) throws -> Lowering {
        let (operandLabels, output, _) = try labels(inputs)
        let dtype = try inputs.type(0).dtype
        let computeType: DType = dtype == .float64 ? .float64 : .float32
        var b = DecompositionBuilder(opset: opset)
        typealias Operand = Decomposition.Operand
        /// An intermediate result: its value and each axis's label and size.
        typealias Term = (value: Operand, labels: [String], shape: [Int])
        var terms: [Term] = []
        for (position, labels) in operandLabels.enumerated() {
            terms.append((b.cast(.input(position), from: dtype, to: computeType), labels, try inputs.type(position).shape))
        }
        /// `term` with its axes in `order` (a permutation of its labels).
        func arranged(_ term: Term, _ order: [String]) -> Term {
            let permutation = order.map { label in term.labels.firstIndex(of: label) ?? 0 }
            guard permutation != Array(0..<permutation.count) else { return term }
            let value = b.add("Transpose", [term.value], ["perm": .ints(permutation)])
            return (value, order, permutation.map { term.shape[$0] })
        }
        /// Sums `term` over `labels` (dropping those axes).
        func summed(_ term: Term, over labels: Set<String>) -> Term {
            let axes = term.labels.indices.filter { labels.contains(term.labels[$0]) }
            guard !axes.isEmpty else { return term }
            let kept = term.labels.indices.filter { !labels.contains(term.labels[$0]) }
            let reduced = b.reduce(ReduceSum.self, term.value, axes: axes)
            let shape = kept.map { term.shape[$0] }
            return (b.reshape(reduced, shape), kept.map { term.labels[$0] }, shape)
        }
        // Diagonals: a label twice in one operand keeps the elements where both agree.
        for index in terms.indices {
            while let label = terms[index].labels.first(where: { l in terms[index].labels.filter { $0 == l }.count > 1 }) {
                var term = terms[index]
                let first = term.labels.firstIndex(of: label) ?? 0
                let second = term.labels[(first + 1)...].firstIndex(of: label) ?? first
                let others = term.labels.indices.filter { $0 != first && $0 != second }
                let order = others.map { term.labels[$0] } + [label, label]
                let permutation = others + [first, second]
                let value = b.add("Transpose", [term.value], ["perm": .ints(permutation)])
                let size = term.shape[first]
                let leading = others.map { term.shape[$0] }
                let merged = b.reshape(value, leading + [size * size])
                let diagonal = TensorData(shape: [size], int64s: (0..<size).map { Int64($0 * size + $0) })
                let picked = b.add("Gather", [merged, .constant(diagonal)], ["axis": .int(leading.count)])
                term = (picked, Array(order.dropLast()), leading + [size])
                terms[index] = term
            }
        }
        let outputSet = Set(output)
        // Labels only one operand has and the output does not: sum them right away.
        for index in terms.indices {
            let elsewhere = Set(terms.indices.filter { $0 != index }.flatMap { terms[$0].labels })
            terms[index] = summed(terms[index], over: Set(terms[index].labels).subtracting(elsewhere).subtracting(outputSet))
        }
        // Combine pairwise, left to right.
        var result = terms[0]
        for position in terms.indices.dropFirst() {
            let next = terms[position]
            let later = Set(terms[(position + 1)...].flatMap(\.labels))
            let needed = outputSet.union(later)
            let shared = result.labels.filter { next.labels.contains($0) }
            let batch = shared.filter { needed.contains($0) }
            let contracted = shared.filter { !needed.contains($0) }
            let left = result.labels.filter { !shared.contains($0) }
            let right = next.labels.filter { !shared.contains($0) }
            let a = arranged(result, batch + left + contracted)
            let c = arranged(next, batch + contracted + right)
            func size(_ term: Term, _ labels: [String]) -> Int {
                labels.map { term.shape[term.labels.firstIndex(of: $0) ?? 0] }.reduce(1, *)
            }
            let batchShapeA = batch.map { a.shape[a.labels.firstIndex(of: $0) ?? 0] }
            let batchShapeC = batch.map { c.shape[c.labels.firstIndex(of: $0) ?? 0] }
            let (rows, depth, columns) = (size(a, left), size(a, contracted), size(c, right))
            let product: Operand
            if computeType == .float64 {
                // [.., rows, depth, 1] · [.., 1, depth, columns], summed over depth.
                let lifted = b.reshape(a.value, batchShapeA + [rows, depth, 1])
                let spread = b.reshape(c.value, batchShapeC + [1, depth, columns])
                let sum = b.reduce(ReduceSum.self, b.add("Mul", [lifted, spread]), axes: [batch.count + 1])
                product = b.reshape(sum, zip(batchShapeA, batchShapeC).map { Swift.max($0, $1) } + [rows, columns])
            } else {
                let matrixA = b.reshape(a.value, batchShapeA + [rows, depth])
                let matrixC = b.reshape(c.value, batchShapeC + [depth, columns])
                product = b.add("MatMul", [matrixA, matrixC])
            }
            let batchShape = zip(batchShapeA, batchShapeC).map { Swift.max($0, $1) }
            let shape =
                batchShape + left.map { a.shape[a.labels.firstIndex(of: $0) ?? 0] }
                + right.map { c.shape[c.labels.firstIndex(of: $0) ?? 0] }
            result = (b.reshape(product, shape), batch + left + right, shape)
        }
        result = summed(result, over: Set(result.labels).subtracting(outputSet))
        result = arranged(result, output)
        var value = b.cast(result.value, from: computeType, to: dtype)
        if b.steps.isEmpty { value = b.add("Identity", [value]) }
        return .decompose(b.finish([value]))
    }
}
