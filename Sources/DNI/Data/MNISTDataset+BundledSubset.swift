// The only file of the data loaders that needs Foundation: SwiftPM's `Bundle.module` finds the
// package's resources both in the build directory and beside an installed executable.
import Foundation

extension MNISTDataset {
    /// The number of training examples in the bundled subset (the first of the full set).
    public static let bundledTrainingCount = 5000
    /// The number of test examples in the bundled subset (the first of the full set).
    public static let bundledTestCount = 1000

    /// The path of the directory holding the bundled subset's four `.gz` IDX files.
    ///
    /// Built by `Scripts/make-mnist-subset.py` from the full set and shipped as a resource of
    /// the `DNI` target, so tests and first demos need no download.
    public static func bundledSubsetDirectory() throws(InputError) -> String {
        let name = "mnist-subset"
        let url = Bundle.module.url(forResource: name, withExtension: nil)
            ?? Bundle.module.resourceURL?.appendingPathComponent(name)
        guard let url, FileBytes.kind(atPath: url.path) == .directory else {
            throw InputError("the bundled MNIST subset is missing from \(Bundle.module.bundlePath); use --data DIR")
        }
        return url.path
    }

    /// The first 5,000 training and first 1,000 test images of MNIST, shipped with the package.
    /// - Throws: ``InputError`` if the package's resources are missing or damaged.
    public static func bundledSubset() throws(InputError) -> MNISTDataset {
        try load(directoryPath: try bundledSubsetDirectory())
    }
}
