import Linalg

/// Part of CIFAR-10 (Krizhevsky 2009): 32×32 RGB images with their class labels 0...9.
///
/// `images` is `[count, 3072]` in NHWC order (see ``SpatialShape``: pixel (y, x) of an image
/// holds its red, green and blue values side by side), each byte b scaled to `Float(b) / 256`,
/// so values lie in [0, 1). The binary files store each image channel-planar (all red bytes,
/// then green, then blue); the reader transposes.
public struct CIFAR10Split: Sendable, Equatable {
    /// The shape of one image, 32×32×3.
    public static let imageShape = SpatialShape(height: 32, width: 32, channels: 3)
    /// Classes, 10.
    public static let classCount = 10
    /// Bytes per record in the binary files: 1 label byte and 3 × 1024 pixel bytes.
    public static let recordSize = 1 + 3072

    /// The images, `[count, 3072]`, NHWC, values in [0, 1).
    public var images: Matrix
    /// The class of each image, in 0...9.
    public var labels: [Int]

    /// The number of examples.
    public var count: Int { labels.count }

    /// A split from NHWC images already scaled and their labels.
    public init(images: Matrix, labels: [Int]) {
        precondition(images.rows == labels.count && images.columns == Self.imageShape.size,
                     "CIFAR-10 needs one label per [3072]-wide image row")
        self.images = images
        self.labels = labels
    }

    /// The labels as one-hot rows, `[count, 10]`.
    public func oneHotLabels() -> Matrix {
        oneHotMatrix(labels: labels, classCount: Self.classCount)
    }

    /// Parses the records of one binary batch file (`data_batch_N.bin` or `test_batch.bin`).
    ///
    /// - Throws: ``InputError`` with a one-line problem that does not name the file: an empty
    ///   file, a length that is not a whole number of 3,073-byte records, a label above 9.
    public init(parsing bytes: [UInt8]) throws(InputError) {
        let recordSize = Self.recordSize
        guard !bytes.isEmpty else { throw InputError("empty file, expected CIFAR-10 records of \(recordSize) bytes") }
        guard bytes.count % recordSize == 0 else {
            throw InputError("\(bytes.count) bytes is not a whole number of \(recordSize)-byte CIFAR-10 records "
                             + "(\(bytes.count / recordSize) records and \(bytes.count % recordSize) bytes left over)")
        }
        let count = bytes.count / recordSize
        var labels = [Int](repeating: 0, count: count)
        for record in 0..<count {
            let label = Int(bytes[record * recordSize])
            guard label < Self.classCount else {
                throw InputError("record \(record) has label \(label), expected 0...9")
            }
            labels[record] = label
        }
        var images = Matrix(rows: count, columns: Self.imageShape.size)
        let pixels = Self.imageShape.pixelCount
        bytes.withUnsafeBufferPointer { source in
            images.withUnsafeMutableBufferPointer { destination in
                for record in 0..<count {
                    let planes = source.baseAddress! + record * recordSize + 1
                    let image = destination.baseAddress! + record * Self.imageShape.size
                    for pixel in 0..<pixels {
                        for channel in 0..<3 {
                            image[pixel * 3 + channel] = Float(planes[channel * pixels + pixel]) / 256
                        }
                    }
                }
            }
        }
        self.init(images: images, labels: labels)
    }

    /// Reads and concatenates the batch files at `paths`, in order.
    ///
    /// - Throws: ``InputError`` `"PATH: PROBLEM"`, one line naming the file.
    public init(contentsOf paths: [String]) throws(InputError) {
        var images = Matrix.empty, labels: [Int] = []
        for path in paths {
            let bytes = try FileBytes.contents(atPath: path)
            let part: CIFAR10Split
            do {
                part = try CIFAR10Split(parsing: bytes)
            } catch {
                throw InputError("\(path): \(error.description)")
            }
            if labels.isEmpty {
                images = part.images
            } else {
                var joined = Matrix(rows: images.rows + part.images.rows, columns: images.columns)
                joined.withUnsafeMutableBufferPointer { destination in
                    images.withUnsafeBufferPointer { destination.baseAddress!.update(from: $0.baseAddress!, count: $0.count) }
                    part.images.withUnsafeBufferPointer {
                        (destination.baseAddress! + images.count).update(from: $0.baseAddress!, count: $0.count)
                    }
                }
                images = joined
            }
            labels += part.labels
        }
        self.init(images: images, labels: labels)
    }
}
