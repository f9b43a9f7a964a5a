import CZlib

/// Decompression of gzip data (RFC 1952) with the system zlib.
///
/// A gzip file is one or more *members* written back to back (`cat a.gz b.gz` is a valid gzip
/// file whose contents are `a` then `b`); every member is decompressed and the results are
/// concatenated. Anything that is not a whole, intact gzip stream is reported as an
/// ``InputError`` naming the problem (never a crash): input that does not start with the gzip
/// magic bytes, a stream that stops before its end (truncated), data that fails to decode or whose
/// CRC-32 or length check fails (corrupt), and bytes after the last member that are not another
/// member (trailing data). The messages do not name a file: callers that read one prefix its path.
public enum Gzip {
    /// The two bytes every gzip member starts with (RFC 1952, section 2.3.1).
    public static let magic: (UInt8, UInt8) = (0x1F, 0x8B)

    /// Whether `bytes` starts with the gzip magic bytes.
    public static func hasMagic(_ bytes: some Collection<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        return iterator.next() == magic.0 && iterator.next() == magic.1
    }

    /// The concatenated contents of every gzip member in `compressed`.
    ///
    /// - Parameter maximumSize: the largest decompressed size accepted; a stream that would
    ///   decompress to more throws instead of exhausting memory (a corrupt or hostile file can
    ///   expand about a thousandfold).
    /// - Throws: ``InputError`` with a one-line problem that does not name the file.
    public static func decompress(_ compressed: [UInt8], maximumSize: Int = Int.max) throws(InputError) -> [UInt8] {
        guard !compressed.isEmpty else { throw InputError("empty file, expected gzip data") }
        guard hasMagic(compressed) else {
            throw InputError("not gzip data (starts with \(hexadecimal(compressed.prefix(2))), expected 1F 8B)")
        }
        var output = [UInt8](repeating: 0, count: initialOutputSize(compressed, maximumSize: maximumSize))
        var outputCount = 0
        var inputOffset = 0
        // On the heap, not a local `var`: zlib stores the stream's address in its state and
        // rejects calls made with any other address, and Swift does not promise that `&stream`
        // is the same address from one call to the next.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        // 16 + MAX_WBITS: expect a gzip header and trailer (not zlib's own format, not raw deflate).
        guard czlib_inflate_init2(stream, 16 + MAX_WBITS) == Z_OK else {
            throw InputError("could not initialise zlib (out of memory?)")
        }
        defer { inflateEnd(stream) }

        var memberIndex = 0
        while true {
            try inflateMember(
                stream, compressed, inputOffset: &inputOffset,
                output: &output, outputCount: &outputCount, maximumSize: maximumSize, memberIndex: memberIndex)
            memberIndex += 1
            if inputOffset == compressed.count { break }
            let rest = compressed[inputOffset...]
            guard hasMagic(rest) else {
                throw InputError("\(rest.count) bytes of trailing data after gzip member \(memberIndex) "
                                 + "(starting \(hexadecimal(rest.prefix(4))))")
            }
            guard inflateReset(stream) == Z_OK else { throw InputError("could not reset zlib") }
        }
        output.removeLast(output.count - outputCount)
        return output
    }

    /// Inflates one member starting at `inputOffset`, appending to `output[..<outputCount]` and
    /// growing `output` as needed; leaves `inputOffset` just past the member's trailer.
    private static func inflateMember(
        _ stream: UnsafeMutablePointer<z_stream>, _ compressed: [UInt8], inputOffset: inout Int,
        output: inout [UInt8], outputCount: inout Int, maximumSize: Int, memberIndex: Int
    ) throws(InputError) {
        // zlib counts in 32-bit `uInt`; feed it at most this much at a time.
        let chunkLimit = 1 << 30
        while true {
            if outputCount == output.count {
                try grow(&output, maximumSize: maximumSize)
            }
            let inputAvailable = min(compressed.count - inputOffset, chunkLimit)
            let outputAvailable = min(output.count - outputCount, chunkLimit)
            let status: Int32 = compressed.withUnsafeBufferPointer { input in
                output.withUnsafeMutableBufferPointer { outputBuffer in
                    // zlib declares `next_in` as non-const but never writes through it.
                    stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + inputOffset)
                    stream.pointee.avail_in = uInt(inputAvailable)
                    stream.pointee.next_out = outputBuffer.baseAddress! + outputCount
                    stream.pointee.avail_out = uInt(outputAvailable)
                    return inflate(stream, Z_NO_FLUSH)
                }
            }
            let consumed = inputAvailable - Int(stream.pointee.avail_in)
            let produced = outputAvailable - Int(stream.pointee.avail_out)
            inputOffset += consumed
            outputCount += produced
            switch status {
            case Z_STREAM_END:
                return
            case Z_OK, Z_BUF_ERROR:
                // zlib stopped with output space left: it needs input, and there is none.
                if inputOffset == compressed.count && stream.pointee.avail_out > 0 {
                    throw InputError("truncated gzip data (member \(memberIndex + 1) ends early, "
                                     + "after \(compressed.count) compressed bytes)")
                }
                if consumed == 0 && produced == 0 && stream.pointee.avail_out > 0 {
                    throw InputError("corrupt gzip data (zlib made no progress)")
                }
            case Z_DATA_ERROR, Z_NEED_DICT:
                throw InputError("corrupt gzip data in member \(memberIndex + 1) (\(zlibMessage(stream.pointee)))")
            case Z_MEM_ERROR:
                throw InputError("out of memory while decompressing gzip data")
            default:
                throw InputError("gzip decompression failed (zlib status \(status): \(zlibMessage(stream.pointee)))")
            }
        }
    }

    /// A first guess at the output size: the length field of the last member (the exact size of
    /// a single-member file below 4 GiB), plus one byte so the last call can see the end.
    private static func initialOutputSize(_ compressed: [UInt8], maximumSize: Int) -> Int {
        var guess = compressed.count * 2
        if compressed.count >= 18 {
            let end = compressed.count
            let lengthField = Int(compressed[end - 4]) | Int(compressed[end - 3]) << 8
                | Int(compressed[end - 2]) << 16 | Int(compressed[end - 1]) << 24
            // Trust the field only as far as ordinary data compresses (images: about 5:1), so
            // that a corrupt or hostile field cannot make us allocate gigabytes up front;
            // output beyond the guess is still accepted, by growing the buffer.
            guess = max(guess, min(lengthField, compressed.count * 16))
        }
        return min(guess, maximumSize - 1) + 1
    }

    /// Enlarges `output` (about doubling it), refusing to go past `maximumSize + 1` bytes.
    private static func grow(_ output: inout [UInt8], maximumSize: Int) throws(InputError) {
        guard output.count <= maximumSize else {
            throw InputError("gzip data decompresses to more than \(maximumSize) bytes")
        }
        let limit = maximumSize == Int.max ? Int.max : maximumSize + 1
        let newCount = min(max(output.count * 2, output.count + 65536), limit)
        output.append(contentsOf: repeatElement(0, count: newCount - output.count))
    }

    /// zlib's own description of the last error, if it left one.
    private static func zlibMessage(_ stream: z_stream) -> String {
        guard let message = stream.msg else { return "no details" }
        return String(cString: message)
    }

    /// Bytes as space-separated uppercase hexadecimal pairs, for messages.
    static func hexadecimal(_ bytes: some Collection<UInt8>) -> String {
        if bytes.isEmpty { return "nothing" }
        return bytes.map { byte in
            let digits = String(byte, radix: 16, uppercase: true)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
    }
}
