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

/// The libFuzzer flags every Bouncer fuzzing run starts with, from `FuzzTargets/libfuzzer.options`
/// (the one place they are written; scripts and ClusterFuzzLite read it too), as `-key=value`.
func libFuzzerDefaults() throws -> [String] {
    let path = "FuzzTargets/libfuzzer.options"
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw CommandFailure(code: 2, message: "\(path): cannot read the libFuzzer options (run from the package directory)")
    }
    return text.split(separator: "\n").compactMap { line in
        let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !line.hasPrefix("#"), !line.hasPrefix("[") else { return nil }
        return "-\(parts[0])=\(parts[1])"
    }
}

/// `flags` without those whose name one of `overrides` gives again (`-max_len=...`).
func flags(_ flags: [String], overriddenBy overrides: [String]) -> [String] {
    let name = { (flag: String) in flag.prefix { $0 != "=" } }
    return flags.filter { flag in !overrides.contains { name($0) == name(flag) } }
}
