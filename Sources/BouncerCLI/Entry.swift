import ArgumentParser

/// The CLI's entry point, called from the C main module's weak `main` (or, in a fuzzer build,
/// from `LLVMFuzzerInitialize`, before libFuzzer looks at the arguments).
/// Exit codes: 0 clean, 1 a violation, 2 usage or internal error.
@_cdecl("bouncer_cli_main")
public func bouncerCLIMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    var arguments: [String] = []
    for i in 1 ..< Int(argc) { arguments.append(String(cString: argv[i]!)) }
    return BouncerCommand.runToExitCode(arguments)
}

struct BouncerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bouncer",
        abstract: "Fuzz and prove the confidentiality of the Linux guest DMA path in confidential VMs.",
        subcommands: [
            Check.self, Prove.self, Diff.self, Fuzz.self, Campaign.self, Coverage.self, Minimize.self, Replay.self, Profiles.self,
            Seeds.self, RandomTester.self, BuildTargets.self, CorpusMinimize.self, TestCaseMinimize.self, KernelDiffCommand.self,
        ],
        defaultSubcommand: Check.self)

    static func runToExitCode(_ arguments: [String]) -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            return 0
        } catch let failure as CommandFailure {
            printError("bouncer: \(failure.message)")
            return failure.code
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                return 0
            }
            if code == ExitCode(1) { return 1 }
            printError(fullMessage(for: error))
            return 2
        }
    }
}

/// A failure with its exit code: 1 for a violation, 2 for bad input or usage.
struct CommandFailure: Error {
    var code: Int32
    var message: String
}
