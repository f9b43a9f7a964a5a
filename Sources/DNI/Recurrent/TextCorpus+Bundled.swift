import Foundation

extension TextCorpus {
    /// The file name of the bundled text (an original essay written for this package and
    /// dedicated to the public domain, CC0 1.0; see `Sources/DNI/Resources/text/README.md`).
    public static let bundledFileName = "the-keeper-of-the-weir.txt"

    /// The path of the bundled text, looked up like the bundled MNIST subset (beside the
    /// executable, and beside the test bundle on Darwin).
    /// - Throws: ``InputError`` when the package's resources are missing.
    public static var bundledPath: String {
        get throws {
            for directory in MNISTDataset.defaultBundleDirectories {
                let bundleURL = directory.appendingPathComponent(MNISTDataset.resourceBundleName)
                guard FileBytes.kind(atPath: bundleURL.path) == .directory, let bundle = Bundle(url: bundleURL) else { continue }
                let folder = bundle.url(forResource: "text", withExtension: nil) ?? bundle.resourceURL?.appendingPathComponent("text")
                if let file = folder?.appendingPathComponent(bundledFileName), FileBytes.kind(atPath: file.path) == .file {
                    return file.path
                }
            }
            throw InputError("the bundled text is missing: no \(MNISTDataset.resourceBundleName)/text/\(bundledFileName); use --data FILE")
        }
    }
}
