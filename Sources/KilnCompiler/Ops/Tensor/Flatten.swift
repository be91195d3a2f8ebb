// Flatten: a 2-D view [prod(dims before axis), prod(dims from axis)].

struct Flatten: ViewOperator {
    static let opType = "Flatten"
    let axis: Int

    init(_ attributes: AttributeReader) throws { axis = try attributes.int("axis", default: 1) }

    func shape(_ inputs: OpInputs) throws -> [Int] {
        let shape = try inputs.type(0).shape
        let axis = self.axis < 0 ? self.axis + shape.count : self.axis
        guard (0...shape.count).contains(axis) else {
            throw inputs.error(.invalidAttribute, "axis \(self.axis) is out of range for \(shape)")
        }
        return [shape[..<axis].reduce(1, *), shape[axis...].reduce(1, *)]
    }
}
