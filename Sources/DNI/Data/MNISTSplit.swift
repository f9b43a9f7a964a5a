import Linalg

/// One part of MNIST (the training set or the test set): images with their digit labels.
///
/// `images` is `[count, height·width]` (784 columns for MNIST's 28×28 digits), one image per row
/// in row-major pixel order, each pixel scaled from 0...255 to 0...1 as `Float(byte) / 255`.
/// `labels[i]` is the digit 0...9 shown in row i.
public struct MNISTSplit: Sendable, Equatable {
    /// The number of digit classes, 10.
    public static let classCount = 10

    /// The images, `[count, height·width]`, pixels in 0...1.
    public var images: Matrix
    /// The digit shown in each image, in 0...9.
    public var labels: [Int]
    /// The height of every image in pixels (28 for MNIST).
    public var imageHeight: Int
    /// The width of every image in pixels (28 for MNIST).
    public var imageWidth: Int

    /// The number of examples.
    public var count: Int { labels.count }

    /// A split from images already scaled to 0...1 and their labels.
    /// - Precondition: `images.rows == labels.count`, `images.columns == imageHeight * imageWidth`.
    public init(images: Matrix, labels: [Int], imageHeight: Int, imageWidth: Int) {
        precondition(images.rows == labels.count, "one label per image")
        precondition(images.columns == imageHeight * imageWidth, "images must have height·width columns")
        self.images = images
        self.labels = labels
        self.imageHeight = imageHeight
        self.imageWidth = imageWidth
    }

    /// The labels as one-hot rows, `[count, 10]` (see ``oneHotMatrix(labels:classCount:)``).
    public func oneHotLabels() -> Matrix {
        oneHotMatrix(labels: labels, classCount: Self.classCount)
    }

    /// Loads and checks a pair of IDX files: `imagesPath` (3-D, `[count, height, width]`) and
    /// `labelsPath` (1-D, `[count]`), each gzip-compressed if its name ends in `.gz`.
    ///
    /// - Throws: ``InputError`` `"PATH: PROBLEM"`, one line, when a file cannot be read or
    ///   decompressed, is not unsigned-byte IDX, has the wrong number of dimensions, holds no
    ///   images, holds a label outside 0...9, or when the two files disagree on the count.
    public init(imagesPath: String, labelsPath: String) throws(InputError) {
        let imageFile = try IDXFile(contentsOf: imagesPath)
        let labelFile = try IDXFile(contentsOf: labelsPath)
        let imageDimensions = imageFile.dimensions
        guard imageDimensions.count == 3 else {
            throw InputError("\(imagesPath): image file has \(imageDimensions.count) dimensions, "
                             + "expected 3 (count, height, width)")
        }
        guard labelFile.dimensions.count == 1 else {
            throw InputError("\(labelsPath): label file has \(labelFile.dimensions.count) dimensions, expected 1 (count)")
        }
        let (imageCount, height, width) = (imageDimensions[0], imageDimensions[1], imageDimensions[2])
        guard imageCount > 0, height > 0, width > 0 else {
            throw InputError("\(imagesPath): no images (dimensions \(imageCount)×\(height)×\(width))")
        }
        let labelCount = labelFile.dimensions[0]
        guard labelCount == imageCount else {
            throw InputError("\(labelsPath): \(labelCount) labels but \(imagesPath) has \(imageCount) images")
        }

        var labels = [Int](repeating: 0, count: labelCount)
        var outOfRange: (index: Int, label: UInt8)?
        labelFile.elements.withUnsafeBufferPointer { source in
            labels.withUnsafeMutableBufferPointer { destination in
                for index in 0..<labelCount {
                    let label = source[index]
                    if label >= UInt8(Self.classCount) && outOfRange == nil { outOfRange = (index, label) }
                    destination[index] = Int(label)
                }
            }
        }
        if let (index, label) = outOfRange {
            throw InputError("\(labelsPath): label \(label) at index \(index) is outside 0...9")
        }

        let pixelCount = imageFile.elements.count
        let pixels = [Float](unsafeUninitializedCapacity: pixelCount) { destination, initializedCount in
            imageFile.elements.withUnsafeBufferPointer { source in
                for index in 0..<pixelCount {
                    destination[index] = Float(source[index]) / 255
                }
            }
            initializedCount = pixelCount
        }
        self.init(
            images: Matrix(rows: imageCount, columns: height * width, values: pixels),
            labels: labels, imageHeight: height, imageWidth: width)
    }
}
