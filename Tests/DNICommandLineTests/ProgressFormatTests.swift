@testable import DNICommandLine
import Testing

/// The progress and summary numbers: fixed-point while exact, scientific beyond, and never a
/// trap (a diverging run's loss of 1e20 trapped in `Int(_:)` with exit 132).
@Suite struct ProgressFormatTests {
    @Test(arguments: [
        (0.5, 4, "0.5000"),
        (-1.25, 2, "-1.25"),
        (123.0, 0, "123"),
        (7.57e19, 5, "7.57000e+19"),
        (-2.9312328501508964e19, 4, "-2.9312e+19"),
        (1.273330672000508e38, 2, "1.27e+38"),
        (9.99996e20, 4, "1.0000e+21"),
        (Double.greatestFiniteMagnitude, 3, "1.798e+308"),
        (1e15, 0, "1000000000000000"),
        (1e16, 0, "1e+16"),
        (Double.infinity, 4, "inf"),
        (-Double.infinity, 4, "-inf"),
        (Double.nan, 4, "nan"),
    ])
    func formatsEveryDouble(_ value: Double, _ digits: Int, _ expected: String) {
        #expect(format(value, digits) == expected)
    }
}
