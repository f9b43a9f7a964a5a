import DNI
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The subset shipped with the package, and (when this machine has it) the full MNIST set.
@Suite struct MNISTShippedDataTests {
    /// Examples per digit 0...9 in the full MNIST training and test sets (LeCun et al.).
    static let trainingHistogram = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    static let testHistogram = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]

    /// `/work/shared/data/mnist`, or `../shared/data/mnist` beside the package, if either exists.
    static var fullSetDirectory: String? {
        let packageRoot = String(#filePath.split(separator: "/", omittingEmptySubsequences: false)
            .dropLast(3).joined(separator: "/"))
        let candidates = ["/work/shared/data/mnist", packageRoot + "/../shared/data/mnist"]
        return candidates.first { access($0 + "/" + MNISTDataset.FileName.trainingImages + ".gz", R_OK) == 0
            || access($0 + "/" + MNISTDataset.FileName.trainingImages, R_OK) == 0 }
    }

    static func histogram(_ labels: [Int]) -> [Int] {
        var counts = [Int](repeating: 0, count: 10)
        for label in labels { counts[label] += 1 }
        return counts
    }

    @Test func bundledSubsetLoads() throws {
        let dataset = try MNISTDataset.bundledSubset()
        #expect(dataset.training.count == MNISTDataset.bundledTrainingCount)
        #expect(dataset.test.count == MNISTDataset.bundledTestCount)
        #expect(dataset.training.images.shape == (5000, 784))
        #expect(dataset.test.images.shape == (1000, 784))
        for split in [dataset.training, dataset.test] {
            #expect(split.images.storage.min() == 0 && split.images.storage.max() == 1)
            // Every digit is there, and a digit image is mostly background.
            #expect(Self.histogram(split.labels).allSatisfy { $0 > 50 })
            let mean = split.images.storage.reduce(0, +) / Float(split.images.count)
            #expect(mean > 0.1 && mean < 0.15)
        }
        // The first examples of the full set: a 5, a 0 and a 4 for training, a 7, a 2 and a 1 for test.
        #expect(Array(dataset.training.labels.prefix(3)) == [5, 0, 4])
        #expect(Array(dataset.test.labels.prefix(3)) == [7, 2, 1])
    }

    /// A resource bundle missing from beside the binary is an error that says where it looked
    /// and what to do, not a stopped process.
    @Test func missingResourceBundleIsAnInputError() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("dni-no-bundle-\(getpid())")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect {
            try MNISTDataset.bundledSubsetDirectory(searching: [empty])
        } throws: { error in
            let message = "\(error)"
            return message.contains(empty.path) && message.contains("--data")
        }
    }

    @Test func bundledSubsetIsTheDefaultSource() throws {
        let dataset = try MNISTDataset.load(directory: nil, environment: { _ in nil })
        #expect(dataset.training.count == MNISTDataset.bundledTrainingCount)
    }

    @Test(.enabled(if: fullSetDirectory != nil, "the full MNIST set is not on this machine"))
    func fullSetLoads() throws {
        let dataset = try MNISTDataset.load(directoryPath: #require(Self.fullSetDirectory))
        #expect(dataset.training.images.shape == (60000, 784))
        #expect(dataset.test.images.shape == (10000, 784))
        #expect(Self.histogram(dataset.training.labels) == Self.trainingHistogram)
        #expect(Self.histogram(dataset.test.labels) == Self.testHistogram)
        #expect(Self.trainingHistogram.reduce(0, +) == 60000 && Self.testHistogram.reduce(0, +) == 10000)
        // The subset is the full set's head.
        let subset = try MNISTDataset.bundledSubset()
        #expect(Array(dataset.training.images.storage.prefix(5000 * 784)) == subset.training.images.storage)
        #expect(Array(dataset.test.labels.prefix(1000)) == subset.test.labels)
    }
}
