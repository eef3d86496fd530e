import BouncerMinimizer
import BouncerOracle
import BouncerPolicy
import BouncerRunner

/// The campaign's report as one self-contained HTML page (no script, no external asset): per
/// target the figures and charts of features, corpus size and executions over time from libFuzzer's
/// status lines, then the findings with their minimised reproducers and traces, known findings in
/// a section of their own. Rendering is pure; `Campaign.writeHTMLReport` gathers the reproducers.
struct CampaignHTML {
    /// What the page shows of a finding's reproducer: the input it ran, and the trace
    /// `bouncer replay --trace` prints for it.
    struct Reproducer {
        /// Where the bytes come from (the fuzzer's reproducer, or the known finding's committed
        /// regression input).
        var source: String
        var minimised: Bool
        /// The bytes are the known finding's committed regression input, not this run's.
        var committed = false
        var bytes: [UInt8]
        var operations: Int
        /// One line per step, then the verdict, as `bouncer replay --trace` prints them.
        var trace: [String]
    }

    var report: Campaign.Report
    /// One per finding, in the report's order; nil when the input could not be read.
    var reproducers: [Reproducer?]

    func render() -> String {
        var page = [
            "<!DOCTYPE html>",
            "<html lang=\"en\">",
            "<head>",
            "<meta charset=\"utf-8\">",
            "<title>Bouncer campaign: profile \(escapeHTML(report.profile))</title>",
            "<style>\(Self.style)</style>",
            "</head>",
            "<body>",
            "<h1>Bouncer campaign: profile \(escapeHTML(report.profile))</h1>",
            "<p>\(report.seconds) s budget, \(report.jobs) fork-mode jobs per target. Charts: one point per libFuzzer status line (fork mode prints one as each job ends).</p>",
        ]
        page += summary()
        for target in report.targets { page += section(target) }
        let known = report.findings.indices.filter { report.findings[$0].known }
        let others = report.findings.indices.filter { !report.findings[$0].known }
        page.append("<h2 id=\"findings\">Findings</h2>")
        if others.isEmpty { page.append("<p>None.</p>") }
        for i in others { page += finding(i) }
        page.append("<h2 id=\"known\">Known findings</h2>")
        page.append("<p>Open findings the project records (README, Findings): counted, not fatal unless <code>--strict</code>.</p>")
        if known.isEmpty { page.append("<p>None met.</p>") }
        let ids = known.reduce(into: [String]()) { ids, i in
            if let id = report.findings[i].knownFinding, !ids.contains(id) { ids.append(id) }
        }
        for id in ids { page += knownFinding(id, known.filter { report.findings[$0].knownFinding == id }) }
        page += ["</body>", "</html>"]
        return page.joined(separator: "\n") + "\n"
    }

    func summary() -> [String] {
        var rows = [
            "<table>",
            "<thead><tr><th>target</th><th>seconds</th><th>executions</th><th>exec/s</th><th>coverage</th><th>features</th><th>corpus</th><th>crashes</th><th>known findings met</th><th>stopped early</th></tr></thead>",
            "<tbody>",
        ]
        for s in report.targets {
            let cells = [String(s.seconds), String(s.executions), String(s.execPerSecond), String(s.coverage), String(s.features),
                         String(s.corpusSize), String(s.crashes), String(s.knownInputs), s.stopped ? "yes" : "no"]
            rows.append("<tr><td><a href=\"#target-\(escapeHTML(s.target))\">\(escapeHTML(s.target))</a></td>" + cells.map { "<td class=\"num\">\($0)</td>" }.joined() + "</tr>")
        }
        rows += ["</tbody>", "</table>"]
        return rows
    }

    func section(_ s: Campaign.TargetStats) -> [String] {
        var html = ["<h2 id=\"target-\(escapeHTML(s.target))\">fuzz-\(escapeHTML(s.target))</h2>",
                    "<p>\(s.executions) executions in \(s.seconds) s (\(s.execPerSecond) exec/s), coverage \(s.coverage), \(s.features) features, corpus \(s.corpusSize).</p>"]
        guard !s.series.isEmpty else {
            html.append("<p>No status lines were recorded.</p>")
            return html
        }
        let time = s.series.map { Double($0.seconds) }
        let charts = [
            SVGChart(title: "features", xLabel: "seconds", yLabel: "features", points: zip(time, s.series.map { Double($0.features) }).map { ($0, $1) }, colour: "#1f5fa8"),
            SVGChart(title: "corpus size", xLabel: "seconds", yLabel: "inputs", points: zip(time, s.series.map { Double($0.corpus) }).map { ($0, $1) }, colour: "#2e7d32"),
            // Executions rather than libFuzzer's exec/s: fork mode's figure counts from the start,
            // initial merge included (0 for the first seconds of a large corpus); the slope here is exec/s.
            SVGChart(title: "executions (slope: exec/s)", xLabel: "seconds", yLabel: "executions", points: zip(time, s.series.map { Double($0.executions) }).map { ($0, $1) }, colour: "#a0522d"),
        ]
        html.append("<div class=\"charts\">")
        html += charts.map { $0.render() }
        html.append("</div>")
        return html
    }

    /// A finding that is not a known one: what broke, where, and its reproducer.
    func finding(_ i: Int) -> [String] {
        let f = report.findings[i]
        let status = f.new ? "new" : "has a regression test"
        var html = [
            "<section class=\"finding \(f.new ? "new" : "old")\">",
            "<h3>\(escapeHTML(f.invariant.rawValue)) <span class=\"status\">\(escapeHTML(status))</span></h3>",
            "<p>\(escapeHTML(f.detail))</p>",
            "<dl>",
            "<dt>class</dt><dd>\(Self.classLine(f.findingClass))</dd>",
            "<dt>target</dt><dd>fuzz-\(escapeHTML(f.target))</dd>",
            "<dt>platform</dt><dd>\(escapeHTML(f.platform))</dd>",
            "<dt>signature</dt><dd><code>\(escapeHTML(f.signature))</code></dd>",
            "<dt>fuzzer input</dt><dd><code>\(escapeHTML(f.input))</code></dd>",
        ]
        if let test = f.test { html.append("<dt>test</dt><dd><code>\(escapeHTML(test))</code></dd>") }
        html.append("</dl>")
        html += reproducer(i)
        html.append("</section>")
        return html
    }

    /// A known finding once, with every target and platform the fuzzers met it on; its
    /// committed regression input and trace once.
    func knownFinding(_ id: String, _ met: [Int]) -> [String] {
        let first = report.findings[met[0]]
        var html = [
            "<section class=\"finding known\">",
            "<h3>\(escapeHTML(first.invariant.rawValue)) <span class=\"status\">known finding \(escapeHTML(id))</span></h3>",
        ]
        if let record = KnownFindings.all.first(where: { $0.id == id }) {
            html += ["<dl>", "<dt>what it is</dt><dd>\(escapeHTML(record.summary))</dd>",
                     "<dt>class</dt><dd>\(Self.classLine(record.findingClass))</dd>",
                     "<dt>the fix</dt><dd>\(escapeHTML(record.fix))</dd>",
                     "<dt>test</dt><dd><code>\(escapeHTML(record.test))</code></dd>", "</dl>"]
        }
        html.append("<table class=\"met\">")
        html.append("<thead><tr><th>target</th><th>platform</th><th>first violation</th><th>fuzzer input</th></tr></thead>")
        html.append("<tbody>")
        for i in met {
            let f = report.findings[i]
            html.append("<tr><td>fuzz-\(escapeHTML(f.target))</td><td>\(escapeHTML(f.platform))</td><td>\(escapeHTML(f.detail))</td><td><code>\(escapeHTML(f.input))</code></td></tr>")
        }
        html += ["</tbody>", "</table>"]
        html += reproducer(met[0])
        html.append("</section>")
        return html
    }

    /// The finding's input as hex and its trace; long or unminimised ones folded.
    func reproducer(_ i: Int) -> [String] {
        var html: [String] = []
        if let r = reproducers.indices.contains(i) ? reproducers[i] : nil {
            let what = r.committed ? "The known finding's committed regression input" : r.minimised ? "Minimised reproducer" : "Reproducer (not minimised)"
            html.append("<h4>\(what): \(r.operations) operations, \(r.bytes.count) bytes, <code>\(escapeHTML(r.source))</code></h4>")
            if r.minimised && r.bytes.count <= 256 {
                html.append("<pre class=\"bytes\">\(Self.hex(r.bytes))</pre>")
            } else {
                html.append("<details><summary>bytes</summary><pre class=\"bytes\">\(Self.hex(r.bytes))</pre></details>")
            }
            html.append("<details\(r.minimised ? " open" : "")><summary>Trace (<code>bouncer replay --trace</code>), \(r.operations) operations</summary>")
            html.append("<pre class=\"trace\">\(r.trace.map(escapeHTML).joined(separator: "\n"))</pre>")
            html.append("</details>")
        } else {
            html.append("<p>The reproducer could not be read.</p>")
        }
        return html
    }

    /// A finding's class and what it means, escaped.
    static func classLine(_ c: FindingClass?) -> String {
        guard let c else { return "not recorded" }
        return "\(escapeHTML(c.description)): \(escapeHTML(c.meaning))"
    }

    /// Bytes as hex, 32 to a line.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return stride(from: 0, to: bytes.count, by: 32).map { start in
            bytes[start ..< min(start + 32, bytes.count)].map { String([digits[Int($0 >> 4)], digits[Int($0 & 15)]]) }.joined(separator: " ")
        }.joined(separator: "\n")
    }

    static let style = """
        body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1240px;padding:0 16px;color:#1b1b1b}\
        h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccc}h3{font-size:15px;margin:0 0 6px}h4{font-size:13px;margin:10px 0 4px;font-weight:600}\
        table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 8px}th{background:#f2f2f2;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}\
        .charts{display:flex;flex-wrap:wrap;gap:12px}.chart{border:1px solid #ddd;background:#fff}\
        .chart .grid{stroke:#e5e5e5}.chart .axis{stroke:#555}.chart .tick{font-size:11px;fill:#444}.chart .axis-label{font-size:11px;fill:#444}.chart .chart-title{font-size:13px;font-weight:600}\
        .finding{border:1px solid #ccc;border-left:5px solid #b3261e;padding:8px 12px;margin:12px 0}.finding.known{border-left-color:#8a6d00}.finding.old{border-left-color:#666}\
        .status{font-weight:normal;color:#555}dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0}dt{color:#555}dd{margin:0;overflow-wrap:anywhere}\
        pre{background:#f6f6f6;padding:6px 8px;overflow-x:auto;font-size:12px;margin:4px 0}pre.trace{white-space:pre-wrap;overflow-wrap:anywhere}table.met{margin:6px 0;font-size:13px}table.met td{vertical-align:top}
        """
}

extension Campaign {
    /// Writes `DIR/report.html`: the report, with each finding's reproducer minimised again (the
    /// minimiser is deterministic, so this is the input its regression test holds) and traced.
    func writeHTMLReport(_ report: Report, profile: Profile) throws {
        let reproducers = report.findings.map { reproducer($0, profile: profile) }
        let page = CampaignHTML(report: report, reproducers: reproducers).render()
        try writeFileAtomically(Array(page.utf8), to: "\(out)/report.html")
    }

    /// A known finding shows its committed regression input (already minimal); any other finding
    /// the minimal form of the fuzzer's input, or the input itself when the minimiser keeps another
    /// invariant (a finding met after a known one).
    func reproducer(_ f: Finding, profile: Profile) -> CampaignHTML.Reproducer? {
        if f.known, let record = KnownFindings.all.first(where: { $0.id == f.knownFinding }),
           let bytes = try? readInput(record.regression) {
            let scenario = ScenarioCodec.decode(bytes, target: record.target)
            return .init(source: record.regression, minimised: true, committed: true, bytes: bytes, operations: scenario.operations.count,
                         trace: replayTrace(scenario, profile: profile))
        }
        guard let target = FuzzTarget(name: f.target), let bytes = try? readInput(f.input) else { return nil }
        var scenario = ScenarioCodec.decode(bytes, target: target), shown = bytes, minimised = false
        if !f.known, let outcome = Minimizer.minimize(scenario, profile: profile), outcome.violation.invariant == f.invariant,
           ScenarioCodec.roundTrips(outcome.minimal, target: target) {
            scenario = outcome.minimal
            shown = ScenarioCodec.encode(outcome.minimal, target: target)
            minimised = true
        }
        return .init(source: f.input, minimised: minimised, bytes: shown, operations: scenario.operations.count,
                     trace: replayTrace(scenario, profile: profile))
    }

    /// The steps and the verdict lines `bouncer replay --trace` prints for a scenario.
    func replayTrace(_ scenario: Scenario, profile: Profile) -> [String] {
        let run = Runner.runPastKnown(scenario, profile: profile, strict: strict, tracing: true)
        var lines = run.trace
        for k in run.known.indices where run.known.first[k] != run.new {
            lines.append("KNOWN \(KnownFindings.all[k].id): \(run.known.first[k]!)")
        }
        if let v = run.new { lines.append("VIOLATION \(v)") }
        if run.new == nil { lines.append(run.known.mask == 0 ? "clean after \(run.steps) steps" : "no new violation after \(run.steps) steps") }
        return lines
    }
}
