/// CIFAR-10 (Krizhevsky 2009) from its standard binary distribution: 50,000 training images in
/// `data_batch_1.bin` … `data_batch_5.bin` and 10,000 test images in `test_batch.bin`, each file
/// a sequence of 3,073-byte records (a label byte 0...9, then a 32×32 image as 1,024 red,
/// 1,024 green and 1,024 blue bytes, rows top to bottom).
///
/// Bad input is an ``InputError`` naming the file, as for MNIST's IDX files: a missing
/// directory or file, an empty file, a length that is not a whole number of records, a label
/// above 9. The data set is not shipped (163 MB); see docs/convolution.md.
public struct CIFAR10Dataset: Sendable, Equatable {
    /// The five training batches, concatenated in order.
    public var training: CIFAR10Split
    /// The test batch.
    public var test: CIFAR10Split

    /// A data set from its two splits.
    public init(training: CIFAR10Split, test: CIFAR10Split) {
        self.training = training
        self.test = test
    }

    /// The standard file names.
    public enum FileName {
        /// `data_batch_1.bin` … `data_batch_5.bin`.
        public static let trainingBatches = (1...5).map { "data_batch_\($0).bin" }
        /// `test_batch.bin`.
        public static let testBatch = "test_batch.bin"
    }

    /// The ten class names, indexed by label.
    public static let classNames = ["airplane", "automobile", "bird", "cat", "deer",
                                    "dog", "frog", "horse", "ship", "truck"]

    /// Loads the six standard files from the directory at `path`.
    /// - Throws: ``InputError``, one line naming the file or directory and the problem.
    public static func load(directoryPath path: String) throws(InputError) -> CIFAR10Dataset {
        guard !path.isEmpty else { throw InputError("CIFAR-10 data directory: the path is empty") }
        switch FileBytes.kind(atPath: path) {
        case .missing: throw InputError("\(path): no such directory (expected the CIFAR-10 binary batch files)")
        case .file: throw InputError("\(path): not a directory (expected a directory of CIFAR-10 binary batch files)")
        case .directory: break
        }
        let separator = path.hasSuffix("/") ? "" : "/"
        func filePath(_ name: String) throws(InputError) -> String {
            let file = path + separator + name
            guard FileBytes.kind(atPath: file) != .missing else {
                throw InputError("\(file): missing (a CIFAR-10 directory holds \(FileName.trainingBatches.joined(separator: ", ")) "
                                 + "and \(FileName.testBatch))")
            }
            return file
        }
        var trainingPaths: [String] = []
        for name in FileName.trainingBatches { trainingPaths.append(try filePath(name)) }
        let testPath = try filePath(FileName.testBatch)
        return CIFAR10Dataset(training: try CIFAR10Split(contentsOf: trainingPaths),
                              test: try CIFAR10Split(contentsOf: [testPath]))
    }

    /// The data set as training and test matrices (inputs NHWC `[count, 3072]`, one-hot targets
    /// `[count, 10]`), named `cifar10`, for the trainer.
    public func dataset() -> Dataset {
        Dataset(name: "cifar10", kind: .classification(classes: CIFAR10Split.classCount),
                trainInputs: training.images, trainTargets: training.oneHotLabels(),
                testInputs: test.images, testTargets: test.oneHotLabels())
    }
}
