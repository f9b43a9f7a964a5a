import DNI
import Linalg
import Testing

@Suite struct MNISTDatasetTests {
    typealias Name = MNISTDataset.FileName

    /// Writes the good raw files with `name` replaced by (or, with a `.gz` name, swapped for) `bytes`,
    /// and returns the message of the error that loading the directory throws.
    func loadErrorMessage(replacing name: String, with bytes: [UInt8]) throws -> (message: String?, path: String) {
        var files = MNISTFixtures.goodFiles(gzip: false)
        if name.hasSuffix(".gz") { files.removeValue(forKey: String(name.dropLast(3))) }
        files[name] = bytes
        let directory = try MNISTFixtures.directory(with: files)
        defer { MNISTFixtures.remove(directory) }
        return (inputErrorMessage { try MNISTDataset.load(directoryPath: directory) }, "\(directory)/\(name)")
    }

    @Test(arguments: [false, true]) func loadsGoodFiles(gzip: Bool) throws {
        let directory = try MNISTFixtures.directory(with: MNISTFixtures.goodFiles(gzip: gzip))
        defer { MNISTFixtures.remove(directory) }
        let dataset = try MNISTDataset.load(directoryPath: directory)
        #expect(dataset.training.count == MNISTFixtures.count)
        #expect(dataset.training.images.shape == (MNISTFixtures.count, 784))
        #expect((dataset.training.imageHeight, dataset.training.imageWidth) == (28, 28))
        #expect(dataset.training.labels == [0, 1, 2, 3, 4, 9])
        #expect(dataset.test.labels == [9, 8, 7, 6, 5, 0])
        // Every pixel is byte / 255, in row-major order.
        let expected = (0..<(MNISTFixtures.count * 784)).map { Float(MNISTFixtures.pixel($0)) / 255 }
        #expect(dataset.training.images.storage == expected)
        #expect(dataset.test.images.storage.min() == 0 && dataset.test.images.storage.max() == 1)
    }

    @Test func prefersRawFilesOverGzip() throws {
        var files = MNISTFixtures.goodFiles(gzip: false)
        files[Name.trainingLabels + ".gz"] = [1, 2, 3]  // would fail if read
        let directory = try MNISTFixtures.directory(with: files)
        defer { MNISTFixtures.remove(directory) }
        #expect(try MNISTDataset.load(directoryPath: directory).training.labels == [0, 1, 2, 3, 4, 9])
    }

    @Test func loadsMultiMemberGzip() throws {
        let images = MNISTFixtures.imageFile()
        var files = MNISTFixtures.goodFiles(gzip: true)
        files[Name.testImages + ".gz"] = MNISTFixtures.compress(Array(images[..<1000]))
            + MNISTFixtures.compress(Array(images[1000...]))
        let directory = try MNISTFixtures.directory(with: files)
        defer { MNISTFixtures.remove(directory) }
        let dataset = try MNISTDataset.load(directoryPath: directory)
        #expect(dataset.test.images == dataset.training.images)
    }

    @Test func reportsEachKindOfBadFile() throws {
        let images = MNISTFixtures.imageFile()
        var wrongType = images
        wrongType[2] = 0x0C
        var corrupt = MNISTFixtures.compress(MNISTFixtures.labelFile())
        corrupt[10] = 0xFF
        let cases: [(name: String, bytes: [UInt8], problem: String)] = [
            (Name.trainingImages, [0x08, 0x03] + images.dropFirst(2),
             "bad IDX magic number (starts with 08 03 08 03, expected 00 00 08 nn)"),
            (Name.trainingImages, wrongType,
             "IDX element type 0x0C (int32) is not supported, expected 0x08 (unsigned byte)"),
            (Name.testImages, Array(images.dropLast(10)),
             "truncated IDX data (dimensions 6×28×28 need 4704 bytes after the header, the file has 4694)"),
            (Name.testLabels, MNISTFixtures.labelFile() + [1, 2, 3],
             "3 bytes of trailing data after the IDX elements (dimensions 6 need 6 bytes after the header)"),
            (Name.trainingLabels, MNISTFixtures.labelFile([0, 1, 2, 10, 4, 11]), "label 10 at index 3 is outside 0...9"),
            (Name.trainingLabels + ".gz", MNISTFixtures.compress(MNISTFixtures.labelFile([0, 1, 2, 10, 4, 5])),
             "label 10 at index 3 is outside 0...9"),
            (Name.trainingImages, [], "empty file, expected IDX data"),
            (Name.testLabels + ".gz", [], "empty file, expected gzip data"),
            (Name.testLabels + ".gz", MNISTFixtures.labelFile(), "not gzip data (starts with 00 00, expected 1F 8B)"),
            (Name.testLabels + ".gz", corrupt, "corrupt gzip data in member 1 (invalid block type)"),
            (Name.testImages + ".gz", Array(MNISTFixtures.compress(images).dropLast(20)),
             "truncated gzip data (member 1 ends early, after \(MNISTFixtures.compress(images).count - 20) compressed bytes)"),
            (Name.trainingImages, IDXFile(dimensions: [6, 784], elements: images.dropFirst(16)).serialized(),
             "image file has 2 dimensions, expected 3 (count, height, width)"),
            (Name.trainingLabels, IDXFile(dimensions: [6, 1], elements: [1, 2, 3, 4, 5, 6]).serialized(),
             "label file has 2 dimensions, expected 1 (count)"),
            (Name.trainingImages, IDXFile(dimensions: [0, 28, 28], elements: []).serialized(),
             "no images (dimensions 0×28×28)"),
        ]
        for (name, bytes, problem) in cases {
            let (message, path) = try loadErrorMessage(replacing: name, with: bytes)
            #expect(message == "\(path): \(problem)", "\(name)")
        }
    }

    @Test func reportsMismatchedCounts() throws {
        let (message, path) = try loadErrorMessage(replacing: Name.testLabels, with: MNISTFixtures.labelFile([1, 2, 3, 4, 5]))
        let imagesPath = String(path.dropLast(Name.testLabels.count)) + Name.testImages
        #expect(message == "\(path): 5 labels but \(imagesPath) has 6 images")
    }

    @Test func reportsMismatchedImageSizes() throws {
        let smallImages = IDXFile(dimensions: [6, 2, 3], elements: [UInt8](repeating: 1, count: 36)[...]).serialized()
        let (message, path) = try loadErrorMessage(replacing: Name.testImages, with: smallImages)
        let directory = String(path.dropLast(Name.testImages.count + 1))
        #expect(message == "\(directory): test images are 2×3 but training images are 28×28")
    }

    @Test func reportsMissingDirectoriesAndFiles() throws {
        var files = MNISTFixtures.goodFiles(gzip: true)
        files.removeValue(forKey: Name.testLabels + ".gz")
        let directory = try MNISTFixtures.directory(with: files)
        defer { MNISTFixtures.remove(directory) }
        #expect(inputErrorMessage { try MNISTDataset.load(directoryPath: directory) }
                == "\(directory): missing \(Name.testLabels) (neither \(Name.testLabels) nor \(Name.testLabels).gz is there)")
        #expect(inputErrorMessage { try MNISTDataset.load(directoryPath: directory + "/nowhere") }
                == "\(directory)/nowhere: no such directory (expected the MNIST IDX files)")
        let aFile = "\(directory)/\(Name.trainingImages).gz"
        #expect(inputErrorMessage { try MNISTDataset.load(directoryPath: aFile) }
                == "\(aFile): not a directory (expected a directory of MNIST IDX files)")
    }

    @Test func oneHotLabelsHaveASingleOnePerRow() {
        let split = MNISTSplit(images: Matrix(rows: 3, columns: 1), labels: [2, 0, 9], imageHeight: 1, imageWidth: 1)
        let oneHot = split.oneHotLabels()
        #expect(oneHot.shape == (3, 10))
        for (row, label) in split.labels.enumerated() {
            #expect(oneHot.row(row) == (0..<10).map { $0 == label ? 1 : 0 })
        }
    }
}

@Suite struct MNISTSourceTests {
    @Test func optionBeatsEnvironmentBeatsBundledSubset() {
        let environment: (String) -> String? = { $0 == "DNI_DATA" ? "/from/environment" : nil }
        #expect(MNISTSource.resolve(dataFlag: "/from/option", environment: environment)
                == .directory("/from/option", origin: .option))
        #expect(MNISTSource.resolve(dataFlag: nil, environment: environment)
                == .directory("/from/environment", origin: .environment))
        #expect(MNISTSource.resolve(dataFlag: nil, environment: { _ in nil }) == .bundledSubset)
        #expect(MNISTSource.resolve(dataFlag: nil, environment: { _ in "" }) == .bundledSubset)
    }

    @Test func describesItself() {
        #expect(MNISTSource.directory("/d", origin: .option).description == "--data /d")
        #expect(MNISTSource.directory("/d", origin: .environment).description == "DNI_DATA=/d")
        #expect(MNISTSource.bundledSubset.description == "bundled subset")
    }

    @Test func loadingFromTheEnvironmentNamesTheDirectory() {
        let message = inputErrorMessage {
            try MNISTDataset.load(directory: nil, environment: { _ in "/no/such/mnist" })
        }
        #expect(message == "/no/such/mnist: no such directory (expected the MNIST IDX files)")
    }
}
