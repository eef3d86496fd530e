import Foundation

/// libFuzzer's fork mode hands flags such as `-artifact_prefix=` and `-dict=` to its jobs
/// unquoted, so a path with a space breaks every job (each fails on a directory that does not
/// exist, and the campaign fuzzes nothing). Such a path reaches libFuzzer through a symlink
/// without one, in a directory of this process's own that goes when the campaign ends.
final class SpacelessPaths {
    private let directory = "/tmp/bouncer-campaign-\(getpid())"
    private var links: [String: String] = [:]

    /// `path`, or a symlink to it whose own path has no whitespace.
    func path(_ path: String) throws -> String {
        guard path.contains(where: \.isWhitespace) else { return path }
        if let link = links[path] { return link }
        let files = FileManager.default
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let target = path.hasPrefix("/") ? path : files.currentDirectoryPath + "/" + path
        let link = "\(directory)/\(links.count)"
        try? files.removeItem(atPath: link)
        try files.createSymbolicLink(atPath: link, withDestinationPath: target)
        links[path] = link
        return link
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}
