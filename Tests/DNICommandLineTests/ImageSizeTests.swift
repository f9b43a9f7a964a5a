import DNI
import Foundation
import Testing

/// An IDX set whose images are not 28×28 trains a network as wide as its images (the input
/// width comes from the files), and a set whose splits disagree is exit status 2.
@Suite struct ImageSizeTests {
    /// A directory with the four MNIST files: `count` training and `testCount` test images of
    /// `height`×`width` (test images `testHeight`×`testWidth` when given), pixel values and
    /// labels from a fixed pattern.
    static func fixture(count: Int, testCount: Int, height: Int, width: Int,
                        testHeight: Int? = nil, testWidth: Int? = nil) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dni-idx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func write(_ name: String, _ dimensions: [Int]) throws {
            let elementCount = dimensions.reduce(1, *)
            let isLabels = dimensions.count == 1
            let elements = (0..<elementCount).map { UInt8(isLabels ? $0 % 10 : ($0 * 37) % 256) }
            let file = IDXFile(dimensions: dimensions, elements: elements[...])
            try Data(file.serialized()).write(to: directory.appendingPathComponent(name))
        }
        try write(MNISTDataset.FileName.trainingImages, [count, height, width])
        try write(MNISTDataset.FileName.trainingLabels, [count])
        try write(MNISTDataset.FileName.testImages, [testCount, testHeight ?? height, testWidth ?? width])
        try write(MNISTDataset.FileName.testLabels, [testCount])
        return directory
    }

    @Test(arguments: [(10, 10), (7, 3), (32, 32)])
    func imagesOfAnySizeTrainANetworkOfTheirWidth(height: Int, width: Int) throws {
        let directory = try Self.fixture(count: 64, testCount: 16, height: height, width: width)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcome = try DNIProcess.run([
            "train", "--task", "mnist", "--data", directory.path, "--layers", "1", "--hidden", "8",
            "--batch-size", "16", "--epochs", "1", "--json",
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.outputLines.last?.hasPrefix(#"{"event":"summary","task":"mnist""#) == true)
    }

    @Test func splitsOfDifferentImageSizesAreBadInput() throws {
        let directory = try Self.fixture(count: 64, testCount: 16, height: 10, width: 10, testHeight: 28, testWidth: 28)
        defer { try? FileManager.default.removeItem(at: directory) }
        try BadInputTests.expectBadInput(
            ["train", "--task", "mnist", "--data", directory.path, "--epochs", "1"],
            saying: "test images are 28×28 but training images are 10×10")
    }
}
