/// One fork-mode status line of libFuzzer, kept so the HTML report can draw how a target's
/// coverage and corpus grew (report.json carries the same series).
struct StatusSample: Codable, Equatable {
    /// Seconds since the fuzzer started, as the line's `time:` field says.
    var seconds: Int
    var executions: Int
    var coverage: Int
    var features: Int
    var corpus: Int
    var execPerSecond: Int
}

extension Campaign.TargetStats {
    /// Records the figures just read from a status line, when it has the `time:` field that fork
    /// mode's lines carry (other `#` lines, such as a single process's `NEW`, have none).
    mutating func sample(seconds: Int?, execPerSecond: Int?) {
        guard let seconds else { return }
        series.append(StatusSample(
            seconds: seconds, executions: executions, coverage: coverage, features: features,
            corpus: corpusSize, execPerSecond: execPerSecond ?? 0))
    }
}
