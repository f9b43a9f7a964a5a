/// A file in the IDX format, the format of the MNIST distribution (LeCun, Cortes and Burges,
/// http://yann.lecun.com/exdb/mnist/).
///
/// Layout, every integer big-endian:
///
///     bytes 0-1   0x00 0x00
///     byte  2     element type (0x08 unsigned byte, 0x09 signed byte, 0x0B int16,
///                 0x0C int32, 0x0D float32, 0x0E float64)
///     byte  3     number of dimensions, d
///     then        d × UInt32: the size of each dimension
///     then        the elements, row-major (last index fastest)
///
/// Only unsigned-byte files (all of MNIST) are accepted; the others are recognised so that the
/// message can say what the file holds. The data length must match the dimensions exactly:
/// fewer bytes is a truncated file, more is trailing data, and both are errors.
public struct IDXFile: Sendable, Equatable {
    /// The element type codes of the IDX format (byte 2 of the magic number).
    public enum ElementType: UInt8, Sendable, CustomStringConvertible {
        /// 0x08: `UInt8`, the only type this reader accepts.
        case unsignedByte = 0x08
        /// 0x09: `Int8`.
        case signedByte = 0x09
        /// 0x0B: `Int16`.
        case short = 0x0B
        /// 0x0C: `Int32`.
        case integer = 0x0C
        /// 0x0D: `Float`.
        case float = 0x0D
        /// 0x0E: `Double`.
        case double = 0x0E

        /// The type's name in messages: `unsigned byte`, `signed byte`, `int16`, `int32`,
        /// `float32`, `float64`.
        public var description: String {
            switch self {
            case .unsignedByte: return "unsigned byte"
            case .signedByte: return "signed byte"
            case .short: return "int16"
            case .integer: return "int32"
            case .float: return "float32"
            case .double: return "float64"
            }
        }
    }

    /// The size of each dimension, outermost first (MNIST images: `[count, 28, 28]`).
    public var dimensions: [Int]
    /// The elements in row-major order; `elements.count` is the product of `dimensions`.
    public var elements: ArraySlice<UInt8>

    /// An unsigned-byte IDX file with the given dimensions and elements.
    public init(dimensions: [Int], elements: ArraySlice<UInt8>) {
        precondition(dimensions.allSatisfy { $0 >= 0 && $0 <= Int(UInt32.max) }, "IDX dimensions are 32-bit")
        precondition(dimensions.count <= 255, "IDX files have at most 255 dimensions")
        precondition(elements.count == dimensions.reduce(1, *), "IDX element count must match the dimensions")
        self.dimensions = dimensions
        self.elements = elements
    }

    /// Parses the bytes of an unsigned-byte IDX file (already decompressed).
    ///
    /// The elements are a slice of `bytes`, not a copy.
    /// - Throws: ``InputError`` with a one-line problem that does not name the file.
    public init(parsing bytes: [UInt8]) throws(InputError) {
        guard !bytes.isEmpty else { throw InputError("empty file, expected IDX data") }
        guard bytes.count >= 4 else {
            throw InputError("truncated IDX header (\(bytes.count) bytes, need at least 4)")
        }
        guard bytes[0] == 0, bytes[1] == 0 else {
            let gzipHint = Gzip.hasMagic(bytes) ? "; the data looks gzip-compressed, name the file *.gz" : ""
            throw InputError("bad IDX magic number (starts with \(Gzip.hexadecimal(bytes.prefix(4))), "
                             + "expected 00 00 08 nn)\(gzipHint)")
        }
        guard bytes[2] == ElementType.unsignedByte.rawValue else {
            let known = ElementType(rawValue: bytes[2]).map { " (\($0))" } ?? " (not an IDX type)"
            throw InputError("IDX element type 0x\(Gzip.hexadecimal([bytes[2]]))\(known) is not supported, "
                             + "expected 0x08 (\(ElementType.unsignedByte))")
        }
        let dimensionCount = Int(bytes[3])
        let headerSize = 4 + 4 * dimensionCount
        guard bytes.count >= headerSize else {
            throw InputError("truncated IDX header (\(bytes.count) bytes, \(dimensionCount) dimensions need \(headerSize))")
        }
        var dimensions: [Int] = []
        var elementCount = 1
        var overflow = false
        for index in 0..<dimensionCount {
            let offset = 4 + 4 * index
            let size = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16
                | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            dimensions.append(size)
            let product = elementCount.multipliedReportingOverflow(by: size)
            overflow = overflow || product.overflow
            elementCount = product.partialValue
        }
        let shape = dimensions.map(String.init).joined(separator: "×")
        let dataCount = bytes.count - headerSize
        if overflow {
            throw InputError("IDX dimensions \(shape) are too large to address")
        }
        if dataCount < elementCount {
            throw InputError("truncated IDX data (dimensions \(shape) need \(elementCount) bytes after the header, "
                             + "the file has \(dataCount))")
        }
        if dataCount > elementCount {
            throw InputError("\(dataCount - elementCount) bytes of trailing data after the IDX elements "
                             + "(dimensions \(shape) need \(elementCount) bytes after the header)")
        }
        self.dimensions = dimensions
        self.elements = bytes[headerSize...]
    }

    /// Reads the IDX file at `path`, decompressing it first when the name ends in `.gz`.
    ///
    /// - Throws: ``InputError`` `"PATH: PROBLEM"`, one line (unreadable file, bad gzip, bad IDX).
    public init(contentsOf path: String) throws(InputError) {
        let bytes = try FileBytes.contents(atPath: path)
        do {
            let decompressed = path.hasSuffix(".gz") ? try Gzip.decompress(bytes, maximumSize: 1 << 32) : bytes
            try self.init(parsing: decompressed)
        } catch {
            throw InputError("\(path): \(error.description)")
        }
    }

    /// The file's bytes in IDX format (uncompressed): magic number, dimensions, elements.
    public func serialized() -> [UInt8] {
        var bytes: [UInt8] = [0, 0, ElementType.unsignedByte.rawValue, UInt8(dimensions.count)]
        bytes.reserveCapacity(4 + 4 * dimensions.count + elements.count)
        for size in dimensions {
            bytes += [UInt8(truncatingIfNeeded: size >> 24), UInt8(truncatingIfNeeded: size >> 16),
                      UInt8(truncatingIfNeeded: size >> 8), UInt8(truncatingIfNeeded: size)]
        }
        bytes += elements
        return bytes
    }
}
