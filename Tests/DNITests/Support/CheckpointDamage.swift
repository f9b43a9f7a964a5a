import DNI

/// Damaged copies of a checkpoint's sections, one kind of damage to one section at a time: the
/// section removed, grown by one element, given one more row (matrices), or (integers) every
/// value set to −7 and to 2⁴⁰. Readers must refuse each with an error or load it harmlessly;
/// never trap.
enum CheckpointDamage {
    static func variants(of sections: [CheckpointSection]) -> [[CheckpointSection]] {
        var result: [[CheckpointSection]] = []
        func replacing(_ index: Int, with section: CheckpointSection) -> [CheckpointSection] {
            sections.enumerated().map { $0.offset == index ? section : $0.element }
        }
        for (index, section) in sections.enumerated() {
            result.append(Array(sections[..<index] + sections[(index + 1)...]))
            var grown = section
            grown.shape = [section.count + 1]
            grown.data += [UInt8](repeating: 0, count: section.elementType.size)
            result.append(replacing(index, with: grown))
            if section.elementType == .float32 && section.shape.count == 2 {
                var taller = section
                taller.shape = [section.shape[0] + 1, section.shape[1]]
                taller.data += [UInt8](repeating: 0, count: 4 * section.shape[1])
                result.append(replacing(index, with: taller))
            }
            if section.elementType == .int64 {
                for value in [Int64(-7), Int64(1) << 40] {
                    var absurd = section
                    absurd.data = (0..<section.count).flatMap { _ in (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
                    result.append(replacing(index, with: absurd))
                }
            }
        }
        return result
    }
}
