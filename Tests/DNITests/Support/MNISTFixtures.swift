import CZlib
import DNI
import Foundation

/// Small IDX files written at test time, and gzip compression (with the system zlib) to make
/// `.gz` variants of them, good and bad.
enum MNISTFixtures {
    /// The image side of fixture images (MNIST's own 28, so the fixtures look like the real thing).
    static let side = 28
    /// The number of images in each fixture split.
    static let count = 6

    /// Pixel `index` of a fixture image: a pattern that covers 0 and 255.
    static func pixel(_ index: Int) -> UInt8 { UInt8((index * 37) % 256) }

    /// A `[count, side, side]` unsigned-byte IDX image file.
    static func imageFile(count: Int = count) -> [UInt8] {
        let elements = (0..<(count * side * side)).map(pixel)
        return IDXFile(dimensions: [count, side, side], elements: elements[...]).serialized()
    }

    /// A `[labels.count]` unsigned-byte IDX label file.
    static func labelFile(_ labels: [UInt8] = [0, 1, 2, 3, 4, 9]) -> [UInt8] {
        IDXFile(dimensions: [labels.count], elements: labels[...]).serialized()
    }

    /// The four standard files, raw or gzip-compressed, keyed by file name.
    static func goodFiles(gzip: Bool) -> [String: [UInt8]] {
        let contents = [
            MNISTDataset.FileName.trainingImages: imageFile(),
            MNISTDataset.FileName.trainingLabels: labelFile(),
            MNISTDataset.FileName.testImages: imageFile(),
            MNISTDataset.FileName.testLabels: labelFile([9, 8, 7, 6, 5, 0]),
        ]
        var files: [String: [UInt8]] = [:]
        for (name, bytes) in contents {
            if gzip { files[name + ".gz"] = compress(bytes) } else { files[name] = bytes }
        }
        return files
    }

    /// A fresh temporary directory holding `files`; the caller removes it with ``remove(_:)``.
    static func directory(with files: [String: [UInt8]]) throws -> String {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("dni-mnist-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, bytes) in files {
            try Data(bytes).write(to: url.appendingPathComponent(name))
        }
        return url.path
    }

    /// Deletes a directory made by ``directory(with:)``.
    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// `bytes` as one gzip member (zlib's deflate, windowBits 16 + 15 for the gzip wrapper).
    static func compress(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
        // On the heap: zlib checks that every call passes the address it was initialised with.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        precondition(czlib_deflate_init2(stream, level, 16 + MAX_WBITS) == Z_OK)
        defer { deflateEnd(stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(bytes.count))) + 64)
        var input = bytes
        let status = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.pointee.next_in = inputBuffer.baseAddress
                stream.pointee.avail_in = uInt(inputBuffer.count)
                stream.pointee.next_out = outputBuffer.baseAddress
                stream.pointee.avail_out = uInt(outputBuffer.count)
                return deflate(stream, Z_FINISH)
            }
        }
        precondition(status == Z_STREAM_END, "deflate did not finish")
        output.removeLast(Int(stream.pointee.avail_out))
        return output
    }
}

/// The message of the ``InputError`` that `body` throws, nil if it returns normally, or a
/// message saying so if it throws another kind of error (which must not happen).
func inputErrorMessage(_ body: () throws -> Any) -> String? {
    do {
        _ = try body()
        return nil
    } catch let error as InputError {
        return error.description
    } catch {
        return "not an InputError: \(error)"
    }
}
