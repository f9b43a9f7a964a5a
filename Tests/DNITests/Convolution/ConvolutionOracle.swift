import DNI
import Linalg

/// Naive direct convolution and pooling, written from the definitions with no im2col, no GEMM
/// and no pointer arithmetic: the oracles of the convolution layers.
enum ConvolutionOracle {
    /// Column of element (y, x, c) in an NHWC row.
    static func column(_ shape: SpatialShape, _ y: Int, _ x: Int, _ c: Int) -> Int {
        (y * shape.width + x) * shape.channels + c
    }

    /// y[n, oy, ox, f] = b[f] + Σ x[n, oy·s−p+ky, ox·s−p+kx, c] · W[(ky·kw + kx)·C + c, f].
    static func convolve(_ input: Matrix, shape: SpatialShape, weight: Matrix, bias: Matrix?,
                         window: SlidingWindow) -> Matrix {
        let filters = weight.columns
        let outputShape = window.outputShape(for: shape, channels: filters)
        var output = Matrix(rows: input.rows, columns: outputShape.size)
        for n in 0..<input.rows {
            for oy in 0..<outputShape.height {
                for ox in 0..<outputShape.width {
                    for f in 0..<filters {
                        var sum = Double(bias?[0, f] ?? 0)
                        for ky in 0..<window.height {
                            for kx in 0..<window.width {
                                let iy = oy * window.stride - window.padding + ky
                                let ix = ox * window.stride - window.padding + kx
                                guard iy >= 0, iy < shape.height, ix >= 0, ix < shape.width else { continue }
                                for c in 0..<shape.channels {
                                    let w = weight[(ky * window.width + kx) * shape.channels + c, f]
                                    sum += Double(input[n, column(shape, iy, ix, c)]) * Double(w)
                                }
                            }
                        }
                        output[n, column(outputShape, oy, ox, f)] = Float(sum)
                    }
                }
            }
        }
        return output
    }

    /// The in-input values of each window, reduced by `reduce`.
    static func pool(_ input: Matrix, shape: SpatialShape, window: SlidingWindow, _ reduce: ([Float]) -> Float) -> Matrix {
        let outputShape = window.outputShape(for: shape, channels: shape.channels)
        var output = Matrix(rows: input.rows, columns: outputShape.size)
        for n in 0..<input.rows {
            for oy in 0..<outputShape.height {
                for ox in 0..<outputShape.width {
                    for c in 0..<shape.channels {
                        var values: [Float] = []
                        for ky in 0..<window.height {
                            for kx in 0..<window.width {
                                let iy = oy * window.stride - window.padding + ky
                                let ix = ox * window.stride - window.padding + kx
                                guard iy >= 0, iy < shape.height, ix >= 0, ix < shape.width else { continue }
                                values.append(input[n, column(shape, iy, ix, c)])
                            }
                        }
                        output[n, column(outputShape, oy, ox, c)] = reduce(values)
                    }
                }
            }
        }
        return output
    }

    static func maxPool(_ input: Matrix, shape: SpatialShape, window: SlidingWindow) -> Matrix {
        pool(input, shape: shape, window: window) { $0.max()! }
    }

    static func averagePool(_ input: Matrix, shape: SpatialShape, window: SlidingWindow) -> Matrix {
        pool(input, shape: shape, window: window) { values in
            Float(values.reduce(0.0) { $0 + Double($1) } / Double(values.count))
        }
    }

    /// Per channel over batch and pixels: (x − μ)/√(σ² + ε)·γ + β, biased σ², in Double.
    static func channelBatchNormalize(_ input: Matrix, shape: SpatialShape, scale: Matrix, shift: Matrix,
                                      epsilon: Double = 1e-5) -> Matrix {
        var output = Matrix(rows: input.rows, columns: input.columns)
        for c in 0..<shape.channels {
            var values: [Double] = []
            for n in 0..<input.rows {
                for p in 0..<shape.pixelCount { values.append(Double(input[n, p * shape.channels + c])) }
            }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
            for n in 0..<input.rows {
                for p in 0..<shape.pixelCount {
                    let x = Double(input[n, p * shape.channels + c])
                    output[n, p * shape.channels + c] =
                        Float((x - mean) / (variance + epsilon).squareRoot() * Double(scale[0, c]) + Double(shift[0, c]))
                }
            }
        }
        return output
    }

    /// Largest |a − b| over all elements (the shapes must match).
    static func maxDifference(_ a: Matrix, _ b: Matrix) -> Float {
        precondition(a.rows == b.rows && a.columns == b.columns, "shapes differ: \(a.shape) vs \(b.shape)")
        return zip(a.storage, b.storage).map { abs($0 - $1) }.max() ?? 0
    }
}
