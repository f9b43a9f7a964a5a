// The only file of the data loaders that needs Foundation: `Bundle` finds the package's
// resources beside the executable.
import Foundation

#if canImport(Darwin)
/// A class defined in this module, so that `Bundle(for:)` names the binary holding it.
private final class BundleToken {}
#endif

extension MNISTDataset {
    /// The number of training examples in the bundled subset (the first of the full set).
    public static let bundledTrainingCount = 5000
    /// The number of test examples in the bundled subset (the first of the full set).
    public static let bundledTestCount = 1000

    /// The path of the directory holding the bundled subset's four `.gz` IDX files.
    ///
    /// Built by `Scripts/make-mnist-subset.py` from the full set and shipped as a resource of
    /// the `DNI` target, so tests and first demos need no download. The resource bundle is
    /// looked up beside the running executable (on Darwin also beside the test bundle holding
    /// this code) — not through `Bundle.module`, whose accessor stops the process when the
    /// bundle has been removed — so a missing bundle is an ``InputError`` naming where it was
    /// looked for.
    /// - Parameter directories: where to look for the resource bundle; by default beside the
    ///   executable (and the test bundle, on Darwin).
    public static func bundledSubsetDirectory(searching directories: [URL]? = nil) throws(InputError) -> String {
        let name = "mnist-subset"
        let candidates = directories ?? defaultBundleDirectories
        for directory in candidates {
            let bundleURL = directory.appendingPathComponent(resourceBundleName)
            guard FileBytes.kind(atPath: bundleURL.path) == .directory, let bundle = Bundle(url: bundleURL) else { continue }
            let url = bundle.url(forResource: name, withExtension: nil) ?? bundle.resourceURL?.appendingPathComponent(name)
            if let url, FileBytes.kind(atPath: url.path) == .directory { return url.path }
        }
        let places = candidates.map(\.path).joined(separator: ", ")
        throw InputError("the bundled MNIST subset is missing: no \(resourceBundleName)/\(name) in \(places); use --data DIR")
    }

    /// Where the resource bundle is looked for: beside the executable, and on Darwin also beside
    /// the loadable bundle holding this code (an `.xctest` bundle under `swift test`).
    static var defaultBundleDirectories: [URL] {
        #if canImport(Darwin)
        [Bundle.main.bundleURL, Bundle(for: BundleToken.self).bundleURL.deletingLastPathComponent()]
        #else
        [Bundle.main.bundleURL]
        #endif
    }

    /// The file name of the `DNI` target's resource bundle, as SwiftPM names it.
    #if canImport(Darwin)
    static let resourceBundleName = "swift-dni_DNI.bundle"
    #else
    static let resourceBundleName = "swift-dni_DNI.resources"
    #endif

    /// The first 5,000 training and first 1,000 test images of MNIST, shipped with the package.
    /// - Throws: ``InputError`` if the package's resources are missing or damaged.
    public static func bundledSubset() throws(InputError) -> MNISTDataset {
        try load(directoryPath: try bundledSubsetDirectory())
    }
}
