import DNI

/// The line a training command prints before it starts, saying which data it trains on and how
/// many examples that is: to standard error as text, or as a `{"event":"data",…}` JSON line on
/// standard output with `--json`.
struct DataDescription: Equatable {
    /// The task (`addition`, `mnist`).
    var task: TaskName
    /// Where the data comes from: `generated`, `bundled subset`, `--data DIR` or `DNI_DATA=DIR`.
    var source: String
    /// The directory read, if any.
    var directory: String?
    /// Training examples a run uses.
    var trainingExamples: Int
    /// Training examples the source holds (equal to `trainingExamples` for generated data).
    var availableTrainingExamples: Int
    /// Held-out test examples.
    var testExamples: Int
    /// Addition: bits per operand.
    var bits: Int?

    /// The description of `dni … --task addition` with `experiment`'s settings.
    init(addition experiment: AdditionExperiment) {
        task = .addition
        source = "generated"
        trainingExamples = experiment.trainCount
        availableTrainingExamples = experiment.trainCount
        testExamples = experiment.testCount
        bits = experiment.bits
    }

    /// The description of MNIST from `source`, of which a run uses `trainingExamples` images.
    init(mnist: MNISTDataset, source: MNISTSource, trainingExamples: Int) {
        task = .mnist
        self.source = source.description
        if case .directory(let path, _) = source { directory = path }
        self.trainingExamples = trainingExamples
        availableTrainingExamples = mnist.training.labels.count
        testExamples = mnist.test.labels.count
    }

    /// The description of CIFAR-10 read from `directory`, of whose `availableTrainingExamples`
    /// training images a run uses those of `data`.
    init(cifar10 data: Dataset, directory: String, availableTrainingExamples: Int) {
        task = .cifar10
        source = "--data \(directory)"
        self.directory = directory
        trainingExamples = data.trainCount
        self.availableTrainingExamples = availableTrainingExamples
        testExamples = data.testCount
    }

    /// The description of a recurrent task: Copy episodes generated from the seed, or a text
    /// file (`source` names it). The example counts are 0: streams have no fixed size.
    init(recurrent task: TaskName, source: String, directory: String?) {
        self.task = task
        self.source = source
        self.directory = directory
        trainingExamples = 0
        availableTrainingExamples = 0
        testExamples = 0
    }

    /// One line of text: `data: the bundled MNIST subset, 5,000 training images …`.
    var text: String {
        switch task {
        case .copy, .repeatCopy:
            return "data: \(task.rawValue) episodes generated from the seed, one continuous stream per batch row"
        case .text:
            return "data: characters of \(source) (the last 10% is the test part, the 10% before it validation)"
        case .addition:
            return "data: binary addition of \(bits ?? 0)-bit numbers, \(grouped(trainingExamples)) generated training "
                + "problems and \(grouped(testExamples)) held-out test problems (from the seed)"
        case .cifar10:
            let used = trainingExamples == availableTrainingExamples
                ? "\(grouped(trainingExamples)) training images"
                : "the first \(grouped(trainingExamples)) of \(grouped(availableTrainingExamples)) training images"
            return "data: CIFAR-10 from \(directory ?? source), \(used), \(grouped(testExamples)) test images"
        case .mnist:
            let used = trainingExamples == availableTrainingExamples
                ? "\(grouped(trainingExamples)) training images"
                : "the first \(grouped(trainingExamples)) of \(grouped(availableTrainingExamples)) training images"
            let origin = directory == nil
                ? "the bundled MNIST subset (not the full set: pass --data DIR or set DNI_DATA for it)"
                : "MNIST from \(source)"
            return "data: \(origin), \(used), \(grouped(testExamples)) test images"
        }
    }

    /// The `{"event":"data",…}` line.
    var jsonLine: JSONLine {
        var line = JSONLine(event: "data")
        line.append("task", .string(task.rawValue))
        line.append("source", .string(directory == nil ? source : "directory"))
        if let directory { line.append("directory", .string(directory)) }
        if let bits { line.append("bits", .integer(bits)) }
        line.append("train_examples", .integer(trainingExamples))
        line.append("available_train_examples", .integer(availableTrainingExamples))
        line.append("test_examples", .integer(testExamples))
        return line
    }

    /// Writes the description: JSON on the results stream, or text on the diagnostics stream.
    func write(to output: CommandOutput, json: Bool) {
        if json { output.line(jsonLine.description) } else { output.diagnostic(text) }
    }

    /// `5000` as `5,000`.
    func grouped(_ value: Int) -> String {
        var digits = String(value)
        var index = digits.count - 3
        while index > 0 {
            digits.insert(",", at: digits.index(digits.startIndex, offsetBy: index))
            index -= 3
        }
        return digits
    }
}
