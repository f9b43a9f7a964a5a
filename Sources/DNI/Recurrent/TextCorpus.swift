/// A UTF-8 text file as a sequence of character indices over its own vocabulary, split into
/// training, validation and test parts for a character-level language model
/// (the Penn Treebank character task of Jaderberg et al. 2016, §3.1, on any text).
///
/// Characters are Unicode scalars; the vocabulary is the file's distinct scalars in increasing
/// order. The last `heldOutFraction` of the text is the test part, the same amount before it the
/// validation part, and the rest the training part.
public struct TextCorpus: Sendable, Equatable {
    /// The distinct characters, in increasing scalar order; index = class.
    public let vocabulary: [Unicode.Scalar]
    /// The training part, as vocabulary indices.
    public let train: [Int32]
    /// The validation part (early stopping).
    public let validation: [Int32]
    /// The held-out tail (the reported bits per character).
    public let test: [Int32]

    /// Reads and splits the file at `path`.
    ///
    /// - Throws: ``InputError`` naming the file when it cannot be read, is empty, is not valid
    ///   UTF-8, or is too short for each part to hold at least `minimumPart` characters.
    public static func load(path: String, heldOutFraction: Double = 0.1, minimumPart: Int) throws -> TextCorpus {
        let bytes = try FileBytes.contents(atPath: path)
        return try TextCorpus(bytes: bytes, name: path, heldOutFraction: heldOutFraction, minimumPart: minimumPart)
    }

    /// Decodes and splits `bytes`; `name` names the source in errors.
    public init(bytes: [UInt8], name: String, heldOutFraction: Double = 0.1, minimumPart: Int) throws {
        guard !bytes.isEmpty else { throw InputError("\(name): the text file is empty") }
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(bytes.count)
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): scalars.append(scalar)
            case .emptyInput: break decoding
            case .error:
                throw InputError("\(name): not UTF-8 text (invalid byte sequence after \(scalars.count) characters)")
            }
        }
        let vocabulary = Array(Set(scalars)).sorted { $0.value < $1.value }
        guard vocabulary.count >= 2 else {
            throw InputError("\(name): the text has \(vocabulary.count) distinct character; a language model needs at least 2")
        }
        var index: [Unicode.Scalar: Int32] = [:]
        for (i, scalar) in vocabulary.enumerated() { index[scalar] = Int32(i) }
        let indices = scalars.map { index[$0]! }
        let heldOut = Int(Double(indices.count) * heldOutFraction)
        let trainCount = indices.count - 2 * heldOut
        guard heldOut >= minimumPart, trainCount >= minimumPart else {
            let needed = Int((Double(minimumPart) / heldOutFraction).rounded(.up))
            throw InputError("\(name): too short: \(indices.count) characters; this batch size and truncation need at least \(max(needed, 3 * minimumPart))")
        }
        self.vocabulary = vocabulary
        self.train = Array(indices[0..<trainCount])
        self.validation = Array(indices[trainCount..<(trainCount + heldOut)])
        self.test = Array(indices[(trainCount + heldOut)...])
    }
}
