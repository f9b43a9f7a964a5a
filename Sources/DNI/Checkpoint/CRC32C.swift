/// CRC-32C (Castagnoli): the checksum of every checkpoint section (docs/checkpoint-format.md).
///
/// crc = ¬(the remainder of the message, bits reflected, times x³² modulo the polynomial
/// 0x1EDC6F41), computed with the reflected form 0x82F63B78, initial value and final XOR
/// 0xFFFFFFFF. The check value, the CRC of the nine bytes "123456789", is 0xE3069283
/// (RFC 3720, appendix B.4). Slicing by eight: eight 256-entry tables let each step fold eight
/// bytes; the bitwise definition is the test oracle.
public enum CRC32C {
    /// The reflected Castagnoli polynomial.
    public static let polynomial: UInt32 = 0x82F6_3B78

    /// Eight tables of 256 entries, one after another: entry `256·k + b` is the CRC register's
    /// change for byte `b` followed by `k` zero bytes.
    static let table: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ ((crc & 1) * polynomial) }
            table[byte] = crc
        }
        for slice in 1..<8 {
            for byte in 0..<256 {
                let previous = table[256 * (slice - 1) + byte]
                table[256 * slice + byte] = (previous >> 8) ^ table[Int(previous & 0xFF)]
            }
        }
        return table
    }()

    /// The CRC-32C of `bytes`.
    public static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
        update(0, with: bytes)
    }

    /// The CRC-32C of the bytes already summed into `crc`, followed by `bytes` (start with 0).
    public static func update(_ crc: UInt32, with bytes: some Collection<UInt8>) -> UInt32 {
        if let result = bytes.withContiguousStorageIfAvailable({ update(crc, buffer: UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { update(crc, buffer: $0) }
    }

    /// The CRC-32C of `crc`'s bytes followed by the bytes of `buffer`.
    public static func update(_ crc: UInt32, buffer: UnsafeRawBufferPointer) -> UInt32 {
        var register = ~crc
        var index = 0
        let count = buffer.count
        table.withUnsafeBufferPointer { t in
            while count - index >= 8 {
                let low = register ^ (UInt32(buffer[index]) | UInt32(buffer[index + 1]) << 8
                    | UInt32(buffer[index + 2]) << 16 | UInt32(buffer[index + 3]) << 24)
                let a = t[1792 + Int(low & 0xFF)] ^ t[1536 + Int((low >> 8) & 0xFF)]
                let b = t[1280 + Int((low >> 16) & 0xFF)] ^ t[1024 + Int(low >> 24)]
                let c = t[768 + Int(buffer[index + 4])] ^ t[512 + Int(buffer[index + 5])]
                let d = t[256 + Int(buffer[index + 6])] ^ t[Int(buffer[index + 7])]
                register = a ^ b ^ c ^ d
                index += 8
            }
            while index < count {
                register = (register >> 8) ^ t[Int((register ^ UInt32(buffer[index])) & 0xFF)]
                index += 1
            }
        }
        return ~register
    }
}
