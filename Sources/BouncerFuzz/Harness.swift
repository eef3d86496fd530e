#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BouncerCrashState
import BouncerOracle
import BouncerPolicy
import BouncerRunner

/// The profile every input of this process runs under: `BOUNCER_PROFILE` (a built-in name or a
/// profile file), `linux-upstream` by default. Read once; a bad value stops the process with a
/// clear message before any input runs.
nonisolated(unsafe) private var cachedProfile: Profile?

public func harnessProfile() -> Profile {
    if let cachedProfile { return cachedProfile }
    let profile: Profile
    if let raw = getenv("BOUNCER_PROFILE"), raw.pointee != 0 {
        let value = String(cString: raw)
        if let builtIn = Profile.builtIn(named: value) {
            profile = builtIn
        } else if let text = readWholeFile(value) {
            do {
                profile = try Profile.parse(String(decoding: text, as: UTF8.self), file: value)
            } catch {
                fail("BOUNCER_PROFILE: \(error.description)")
            }
        } else {
            fail("BOUNCER_PROFILE='\(value)' is neither a built-in profile (\(Profile.builtIn.map(\.name).joined(separator: ", "))) nor a readable file")
        }
    } else {
        profile = .linuxUpstream
    }
    cachedProfile = profile
    return profile
}

/// `BOUNCER_PLATFORMS`: a comma-separated list of platforms inputs may run on (default: all).
/// Inputs for other platforms are passed over, not rewritten, so every artifact replays as it is.
nonisolated(unsafe) private var cachedPlatforms: [Bool]?

public func harnessPlatforms() -> [Bool] {
    if let cachedPlatforms { return cachedPlatforms }
    var allowed = [Bool](repeating: true, count: PlatformKind.allCases.count)
    if let raw = getenv("BOUNCER_PLATFORMS"), raw.pointee != 0 {
        allowed = [Bool](repeating: false, count: PlatformKind.allCases.count)
        for name in String(cString: raw).split(separator: ",") {
            guard let i = PlatformKind.allCases.firstIndex(where: { $0.rawValue == name }) else {
                fail("BOUNCER_PLATFORMS: unknown platform '\(name)'; expected some of: \(PlatformKind.allCases.map(\.rawValue).joined(separator: ","))")
            }
            allowed[i] = true
        }
    }
    cachedPlatforms = allowed
    return allowed
}

/// `BOUNCER_STRICT=1`: stop on known findings too (`KnownFindings`), as on any violation.
nonisolated(unsafe) private var cachedStrict: Bool?

func harnessStrict() -> Bool {
    if let cachedStrict { return cachedStrict }
    var strict = false
    if let raw = getenv("BOUNCER_STRICT"), raw.pointee != 0 {
        switch String(cString: raw) {
        case "1": strict = true
        case "0": strict = false
        default: fail("BOUNCER_STRICT: expected 1 (stop on known findings too) or 0")
        }
    }
    cachedStrict = strict
    return strict
}

/// libFuzzer's `LLVMFuzzerInitialize`: the Swift runtime's backtracer installs handlers for the
/// crash signals before libFuzzer does, and libFuzzer will not replace them, so it would write
/// no crash artifact. Hand the signals back first; then read the environment once, so a bad
/// value stops the process before any input runs, and build the decoder's tables.
@_cdecl("bouncer_fuzz_initialize")
public func bouncerFuzzInitialize() -> Int32 {
    for sig in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] { signal(sig, SIG_DFL) }
    _ = harnessProfile()
    _ = harnessPlatforms()
    _ = harnessStrict()
    ScenarioCodec.prepare()
    startNanoseconds = monotonicNanoseconds()
    // libFuzzer ends a run with exit(), so the known findings met are said last.
    atexit { report(harness.knownSummary()) }
    return 0
}

/// When this process started fuzzing, reported with a violation (time to detect, in seconds).
nonisolated(unsafe) private var startNanoseconds: UInt64 = 0

public func monotonicNanoseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

/// libFuzzer's entry: decode, run with the oracle after every step. A known finding is counted
/// and the input runs on (its first input per process is kept as `known-...bounce`, for campaign
/// reports); the input returns 0, so libFuzzer keeps exploring from it. Any other violation (or
/// any at all under `BOUNCER_STRICT=1`) is reported and written as a reproducer before the
/// process aborts through the function named for its invariant, so the finding survives even
/// where no crash artifact is written and the crash's first frames name the invariant. Returns
/// -1 (keep out of the corpus) for an input on a platform `BOUNCER_PLATFORMS` leaves out.
@_cdecl("bouncer_fuzz_one")
public func bouncerFuzzOne(_ rawTarget: Int32, _ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    let target = FuzzTarget(rawValue: rawTarget) ?? .dma
    var decoder = ScenarioDecoder(bytes, target: target)
    guard harness.platforms[decoder.platformIndex] else { return -1 }
    guard let violation = harness.fuzz(&decoder, target, bytes) else { return 0 }
    let profile = harnessProfile()
    let path = writeReproducer(target, violation, bytes)
    let elapsed = Double(monotonicNanoseconds() &- startNanoseconds) / 1e9
    let hits = harness.inputHits
    let known = hits.indices.first(where: { hits.first[$0] == violation }).map { " (known finding \(KnownFindings.all[$0].id), BOUNCER_STRICT=1)" } ?? ""
    report("==bouncer== \(violation)\(known)\n==bouncer== after \(harness.executions) executions, \(elapsed) s; profile \(profile.name); reproducer \(path); replay: bouncer replay --trace --target \(target.name) --profile \(profile.name) \(path)\n")
    abortNaming(violation.invariant)
}

/// Aborts through the C function named for the invariant (`bouncer_violation_CONF_PRIVATE`, ...).
func abortNaming(_ invariant: InvariantID) -> Never {
    switch invariant {
    case .confPrivate: bouncer_violation_CONF_PRIVATE()
    case .confBounce: bouncer_violation_CONF_BOUNCE()
    case .confTrusted: bouncer_violation_CONF_TRUSTED()
    case .confFreelist: bouncer_violation_CONF_FREELIST()
    case .confStale: bouncer_violation_CONF_STALE()
    case .confPool: bouncer_violation_CONF_POOL()
    case .safeHostInput: bouncer_violation_SAFE_HOSTINPUT()
    case .safeLifecycle: bouncer_violation_SAFE_LIFECYCLE()
    case .dataIntegrity: bouncer_violation_DATA_INTEGRITY()
    case .confAlias: bouncer_violation_CONF_ALIAS()
    }
}

/// The entry of a normal (non-fuzzer) build: run every file given, and every file in every
/// directory given, as libFuzzer would replay a corpus. Exit 0 clean, 1 violation, 2 bad usage.
@_cdecl("bouncer_fuzz_main")
public func bouncerFuzzMain(_ rawTarget: Int32, _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    let target = FuzzTarget(rawValue: rawTarget) ?? .dma
    let name = target.name
    let profile = harnessProfile()
    var violations = 0
    var known = 0
    let replayed = replayInputs("fuzz-\(name)", argc, argv) { file, bytes in
        let violation = bytes.withUnsafeBytes { raw in
            var decoder = ScenarioDecoder(raw, target: target)
            return harness.run(&decoder)
        }
        let inputHits = harness.inputHits
        if let v = violation {
            violations += 1
            report("\(file): \(v)\n")
        }
        for i in KnownFindings.all.indices where inputHits.contains(i) {
            known += 1
            report("\(file): known finding \(KnownFindings.all[i].id): \(inputHits.first[i].map { "\($0)" } ?? "")\n")
        }
    }
    guard let files = replayed else { return 2 }
    report("fuzz-\(name): \(files) inputs, \(violations) violations, \(known) known findings, profile \(profile.name)\(harnessStrict() ? ", strict" : "")\n")
    return violations == 0 ? 0 : 1
}

// MARK: files, without Foundation

/// What a normal build's `main` replays: every file named on the command line, and every file in
/// every directory named (flags skipped), each given to `body` with its path. Returns how many,
/// or nil after saying why (no path given, one missing or unreadable): the caller exits 2.
public func replayInputs(
    _ tool: String, _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
    _ body: (String, [UInt8]) -> Void
) -> Int? {
    var paths: [String] = []
    for i in 1 ..< Int(argc) {
        let arg = String(cString: argv[i]!)
        if !arg.hasPrefix("-") { paths.append(arg) }
    }
    if paths.isEmpty {
        report("usage: \(tool) FILE-OR-DIRECTORY...\nThis is a normal build: it replays inputs. Build with -Xswiftc -sanitize=fuzzer to fuzz.\n")
        return nil
    }
    var files = 0
    for path in paths {
        guard let list = filesUnder(path) else {
            report("\(tool): \(path): no such file or directory\n")
            return nil
        }
        for file in list {
            guard let bytes = readWholeFile(file) else {
                report("\(tool): \(file): cannot read\n")
                return nil
            }
            files += 1
            body(file, bytes)
        }
    }
    return files
}

/// Writes to standard error with `write(2)`: unbuffered, so nothing is lost when the process
/// aborts right after.
public func report(_ text: String) {
    var text = text
    text.withUTF8 { buffer in
        var done = 0
        while done < buffer.count {
            let n = write(2, buffer.baseAddress! + done, buffer.count - done)
            if n <= 0 { return }
            done += n
        }
    }
}

public func fail(_ message: String) -> Never {
    report("bouncer: \(message)\n")
    exit(2)
}

public func readWholeFile(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
        if n > 0 { out.append(contentsOf: chunk[0 ..< n]) }
        if n < chunk.count { break }
    }
    return ferror(f) == 0 ? out : nil
}

/// A file, or the regular files of a directory in name order (deterministic replay).
public func filesUnder(_ path: String) -> [String]? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    if st.st_mode & S_IFMT != S_IFDIR { return [path] }
    guard let dir = opendir(path) else { return nil }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name.hasPrefix(".") { continue }
        var child = stat()
        let full = path + "/" + name
        if stat(full, &child) == 0, child.st_mode & S_IFMT == S_IFREG { names.append(full) }
    }
    return names.sorted()
}

/// Writes the input under `BOUNCER_REPRODUCER_DIR` (default: the current directory), named for
/// the target, the invariant and the input's hash; returns the path.
func writeReproducer(_ target: FuzzTarget, _ v: Violation, _ bytes: UnsafeRawBufferPointer) -> String {
    writeInput(bytes, name: "bouncer-\(target.name)-\(v.invariant.rawValue)")
}

/// Writes the input under `BOUNCER_REPRODUCER_DIR` as `<name>-<hash>.bounce`; returns the path.
public func writeInput(_ bytes: UnsafeRawBufferPointer, name: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
    let dir = getenv("BOUNCER_REPRODUCER_DIR").map { String(cString: $0) } ?? "."
    let path = "\(dir)/\(name)-\(String(hash, radix: 16)).bounce"
    guard let f = fopen(path, "wb") else { return "(could not write \(path))" }
    if bytes.count > 0 { fwrite(bytes.baseAddress, 1, bytes.count, f) }
    fclose(f)
    return path
}
