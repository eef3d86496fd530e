import Foundation

/// File access for tests that read the repository's own inputs (kept apart: Foundation's
/// `Operation` would shadow Bouncer's).
func listDirectory(_ path: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

func readFile(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { [UInt8]($0) } }
