import DNI
import Foundation
import Linalg
import Testing

/// The CIFAR-10 binary reader on small generated files in the standard format (the real data
/// set is not shipped).
@Suite struct CIFAR10DatasetTests {
    typealias Name = CIFAR10Dataset.FileName

    /// Byte `index` of the pixel planes of record `record` of file `file`: a pattern that
    /// differs between channels, pixels, records and files, so any transposition shows.
    static func pixelByte(file: Int, record: Int, index: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: index * 7 + index / 1024 * 50 + record * 13 + file * 31)
    }

    /// A batch file of `labels.count` records.
    static func batchFile(file: Int, labels: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        for (record, label) in labels.enumerated() {
            bytes.append(label)
            bytes += (0..<3072).map { pixelByte(file: file, record: record, index: $0) }
        }
        return bytes
    }

    /// Two records per training file, three in the test file.
    static func goodFiles() -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for (index, name) in Name.trainingBatches.enumerated() {
            files[name] = batchFile(file: index, labels: [UInt8(index), UInt8(9 - index)])
        }
        files[Name.testBatch] = batchFile(file: 5, labels: [3, 0, 9])
        return files
    }

    /// The message loading a directory of `files` throws, and the directory.
    func loadError(_ files: [String: [UInt8]]) throws -> (message: String?, directory: String) {
        let directory = try MNISTFixtures.directory(with: files)
        defer { MNISTFixtures.remove(directory) }
        return (inputErrorMessage { try CIFAR10Dataset.load(directoryPath: directory) }, directory)
    }

    @Test func loadsGoodFilesAsNHWC() throws {
        let directory = try MNISTFixtures.directory(with: Self.goodFiles())
        defer { MNISTFixtures.remove(directory) }
        let dataset = try CIFAR10Dataset.load(directoryPath: directory)
        #expect(dataset.training.count == 10 && dataset.test.count == 3)
        #expect(dataset.training.labels == [0, 9, 1, 8, 2, 7, 3, 6, 4, 5])
        #expect(dataset.test.labels == [3, 0, 9])
        #expect(dataset.training.images.shape == (10, 3072))
        // Example 2·file + record; NHWC column (y·32 + x)·3 + c holds plane byte c·1024 + y·32 + x.
        for (example, y, x, channel) in [(0, 0, 0, 0), (3, 5, 17, 2), (9, 31, 31, 1), (6, 12, 0, 2)] {
            let file = example / 2, record = example % 2
            let byte = Self.pixelByte(file: file, record: record, index: channel * 1024 + y * 32 + x)
            #expect(dataset.training.images[example, (y * 32 + x) * 3 + channel] == Float(byte) / 256)
        }
        let values = dataset.training.images.storage
        #expect(values.min()! >= 0 && values.max()! < 1)
        let matrices = dataset.dataset()
        #expect(matrices.name == "cifar10" && matrices.trainInputs == dataset.training.images)
        #expect(matrices.testTargets[2, 9] == 1 && matrices.testTargets[0, 3] == 1)
    }

    @Test func reportsMissingDirectoryAndFiles() throws {
        #expect(inputErrorMessage { try CIFAR10Dataset.load(directoryPath: "/nonexistent/cifar") }
                == "/nonexistent/cifar: no such directory (expected the CIFAR-10 binary batch files)")
        var files = Self.goodFiles()
        files.removeValue(forKey: "data_batch_3.bin")
        let (message, directory) = try loadError(files)
        #expect(message?.hasPrefix("\(directory)/data_batch_3.bin: missing") == true, "\(message ?? "nil")")
    }

    @Test func reportsEachKindOfBadFile() throws {
        let cases: [(name: String, bytes: [UInt8], problem: String)] = [
            ("data_batch_2.bin", [], "empty file, expected CIFAR-10 records of 3073 bytes"),
            ("data_batch_2.bin", Self.batchFile(file: 1, labels: [1, 2]) + [7],
             "6147 bytes is not a whole number of 3073-byte CIFAR-10 records (2 records and 1 bytes left over)"),
            (Name.testBatch, Array(Self.batchFile(file: 5, labels: [3]).prefix(3000)),
             "3000 bytes is not a whole number of 3073-byte CIFAR-10 records (0 records and 3000 bytes left over)"),
            (Name.testBatch, Self.batchFile(file: 5, labels: [3, 10]), "record 1 has label 10, expected 0...9"),
            ("data_batch_5.bin", Self.batchFile(file: 4, labels: [255]), "record 0 has label 255, expected 0...9"),
        ]
        for (name, bytes, problem) in cases {
            var files = Self.goodFiles()
            files[name] = bytes
            let (message, directory) = try loadError(files)
            #expect(message == "\(directory)/\(name): \(problem)")
        }
    }
}
