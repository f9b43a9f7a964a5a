import Linalg

/// Class labels as one-hot rows: row i is all zeros except a 1 in column `labels[i]`.
///
/// Shape `[labels.count, classCount]`. Used as the target of a softmax cross-entropy loss and as
/// the conditioning input `c` of a cDNI synthesizer (Jaderberg et al. 2016, arXiv:1608.05343, §3).
/// - Precondition: every label is in `0..<classCount`.
public func oneHotMatrix(labels: [Int], classCount: Int) -> Matrix {
    precondition(classCount > 0, "classCount must be positive")
    var matrix = Matrix(rows: labels.count, columns: classCount)
    matrix.withUnsafeMutableBufferPointer { buffer in
        for (row, label) in labels.enumerated() {
            precondition(label >= 0 && label < classCount, "label \(label) is outside 0..<\(classCount)")
            buffer[row * classCount + label] = 1
        }
    }
    return matrix
}
