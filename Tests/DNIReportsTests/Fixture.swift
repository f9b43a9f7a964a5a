import Foundation

/// The test fixtures shipped in `Fixtures/`.
enum Fixture {
    /// `dni compare --json`-style output: backprop, DNI and cDNI on binary addition, 10 epochs
    /// each, probes of 2 stages every 100 steps for the two synthetic-gradient methods.
    static var compareAddition: String {
        get throws {
            try text(named: "compare-addition.jsonl")
        }
    }

    /// The text of `Fixtures/name`.
    static func text(named name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// A fresh, empty directory under the system's temporary directory.
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("dni-reports-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
