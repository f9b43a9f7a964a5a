import Linalg

/// The MNIST handwritten digits (LeCun, Cortes and Burges): a training split and a test split,
/// read from the four standard IDX files.
///
/// A data directory holds, each either raw or gzip-compressed (`.gz` appended):
///
///     train-images-idx3-ubyte   train-labels-idx1-ubyte
///     t10k-images-idx3-ubyte    t10k-labels-idx1-ubyte
///
/// When both the raw and the `.gz` file exist, the raw one is read (it is what you get after
/// `gunzip`, and it loads faster). Where the data comes from is decided by ``MNISTSource``:
/// `--data DIR`, then the environment variable `DNI_DATA`, then the small subset shipped with the
/// package (``bundledSubset()``). Used by Jaderberg et al. 2016 (arXiv:1608.05343, §3.2).
public struct MNISTDataset: Sendable, Equatable {
    /// The training images and labels (60,000 in the full set).
    public var training: MNISTSplit
    /// The test images and labels (10,000 in the full set).
    public var test: MNISTSplit

    /// A data set from its two splits.
    public init(training: MNISTSplit, test: MNISTSplit) {
        self.training = training
        self.test = test
    }

    /// The standard base names of the four files, without `.gz`.
    public enum FileName {
        /// `train-images-idx3-ubyte`
        public static let trainingImages = "train-images-idx3-ubyte"
        /// `train-labels-idx1-ubyte`
        public static let trainingLabels = "train-labels-idx1-ubyte"
        /// `t10k-images-idx3-ubyte`
        public static let testImages = "t10k-images-idx3-ubyte"
        /// `t10k-labels-idx1-ubyte`
        public static let testLabels = "t10k-labels-idx1-ubyte"
    }

    /// Loads MNIST from `directory` if given, else from `$DNI_DATA` if set, else the bundled subset.
    ///
    /// This is the whole data-source rule in one call, for a command's `--data` option.
    /// - Parameter environment: looks up an environment variable (injectable for tests).
    /// - Throws: ``InputError``, one line naming the file or directory and the problem.
    public static func load(
        directory: String?, environment: (String) -> String? = environmentValue
    ) throws(InputError) -> MNISTDataset {
        try load(from: MNISTSource.resolve(dataFlag: directory, environment: environment))
    }

    /// Loads MNIST from `source`.
    /// - Throws: ``InputError``, one line naming the file or directory and the problem.
    public static func load(from source: MNISTSource) throws(InputError) -> MNISTDataset {
        switch source {
        case .directory(let path, _): return try load(directoryPath: path)
        case .bundledSubset: return try bundledSubset()
        }
    }

    /// Loads the four standard files from the directory at `path` (raw preferred over `.gz`).
    /// - Throws: ``InputError``, one line naming the file or directory and the problem.
    public static func load(directoryPath path: String) throws(InputError) -> MNISTDataset {
        guard !path.isEmpty else { throw InputError("MNIST data directory: the path is empty") }
        switch FileBytes.kind(atPath: path) {
        case .missing: throw InputError("\(path): no such directory (expected the MNIST IDX files)")
        case .file: throw InputError("\(path): not a directory (expected a directory of MNIST IDX files)")
        case .directory: break
        }
        let training = try MNISTSplit(
            imagesPath: try filePath(directory: path, baseName: FileName.trainingImages),
            labelsPath: try filePath(directory: path, baseName: FileName.trainingLabels))
        let test = try MNISTSplit(
            imagesPath: try filePath(directory: path, baseName: FileName.testImages),
            labelsPath: try filePath(directory: path, baseName: FileName.testLabels))
        guard test.imageHeight == training.imageHeight, test.imageWidth == training.imageWidth else {
            throw InputError("\(path): test images are \(test.imageHeight)×\(test.imageWidth) but training images are "
                             + "\(training.imageHeight)×\(training.imageWidth)")
        }
        return MNISTDataset(training: training, test: test)
    }

    /// The path of `baseName` in `directory`: the raw file if it exists, else the `.gz` file.
    static func filePath(directory: String, baseName: String) throws(InputError) -> String {
        let separator = directory.hasSuffix("/") ? "" : "/"
        let raw = directory + separator + baseName
        if FileBytes.kind(atPath: raw) != .missing { return raw }
        let compressed = raw + ".gz"
        if FileBytes.kind(atPath: compressed) != .missing { return compressed }
        throw InputError("\(directory): missing \(baseName) (neither \(baseName) nor \(baseName).gz is there)")
    }
}
