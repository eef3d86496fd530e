#if canImport(Glibc)
import Glibc
#endif

/// The bytes of every file in `dir` (names starting with a dot left out), in name order; `fail`
/// says what went wrong: no such directory, a file that cannot be read, no files. Shared by this
/// benchmark and scripts/same-work-ir's driver, which is built with a copy of this file, so both
/// replay the same inputs in the same order; only libc, so both build against old commits.
func readInputs(_ dir: String, failing fail: (String) -> Never) -> [[UInt8]] {
    guard let d = opendir(dir) else { fail("cannot open \(dir)") }
    var names: [String] = []
    while let entry = readdir(d) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if !name.hasPrefix(".") { names.append(name) }
    }
    closedir(d)
    let inputs = names.sorted().map { name -> [UInt8] in
        guard let f = fopen(dir + "/" + name, "rb") else { fail("cannot read \(dir)/\(name)") }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            bytes.append(contentsOf: chunk[0 ..< n])
            if n < chunk.count { break }
        }
        return bytes
    }
    if inputs.isEmpty { fail("no inputs in \(dir)") }
    return inputs
}
