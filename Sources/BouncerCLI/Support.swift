import BouncerPolicy
import Foundation

func printError(_ message: String) {
    FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
}

/// A profile by built-in name or from a profile file; a clear error otherwise.
func resolveProfile(_ nameOrPath: String) throws -> Profile {
    if let profile = Profile.builtIn(named: nameOrPath) { return profile }
    guard FileManager.default.fileExists(atPath: nameOrPath) else {
        throw CommandFailure(
            code: 2,
            message: "no built-in profile or profile file '\(nameOrPath)'; built-in profiles: "
                + Profile.builtIn.map(\.name).joined(separator: ", "))
    }
    guard let text = try? String(contentsOfFile: nameOrPath, encoding: .utf8) else {
        throw CommandFailure(code: 2, message: "\(nameOrPath): cannot read the file as UTF-8 text")
    }
    do {
        return try Profile.parse(text, file: nameOrPath)
    } catch {
        throw CommandFailure(code: 2, message: error.description)
    }
}

func readInput(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CommandFailure(code: 2, message: "\(path): no such file or not readable")
    }
    return [UInt8](data)
}

/// Writes bytes atomically (a temporary file renamed into place), so a killed run never leaves
/// half a reproducer.
func writeFileAtomically(_ bytes: [UInt8], to path: String) throws {
    let url = URL(fileURLWithPath: path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(bytes).write(to: url, options: .atomic)
}

/// Runs a program in the foreground, with our standard streams or its output in the file `quiet`;
/// returns its exit status.
func execute(_ program: String, _ arguments: [String], environment: [String: String]? = nil, quiet: String? = nil) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [program] + arguments
    if let environment { process.environment = environment }
    if let quiet {
        _ = FileManager.default.createFile(atPath: quiet, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: quiet))
        process.standardOutput = handle
        process.standardError = handle
    }
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

/// libFuzzer flags every Bouncer fuzzing run starts with. `-len_control=0`: inputs may use the
/// whole `-max_len` from the start instead of growing from a few bytes. An operation takes about
/// five bytes, so the default ramp spends the first seconds on inputs too short to hold a
/// scenario. Measured with `scripts/time-to-detect` (five seeds, from an empty corpus), it found 6
/// of the 10 catalogue bugs sooner, `swiotlb-sync-bidi-2022` in a median 10 s rather than 19 s,
/// and the other four within a quarter of a second of the default.
let libFuzzerDefaults = ["-len_control=0"]
