@testable import BouncerCLI
import BouncerOracle
import Testing

/// The campaign's HTML report: elements balanced, every text escaped, the status lines' series
/// drawn, and known findings apart from the others.
@Suite struct CampaignHTMLTests {
    /// Fork-mode status lines as libFuzzer prints them, read by the campaign's own parser.
    static func stats() -> Campaign.TargetStats {
        let campaign = try! Campaign.parse(["--out", "/nonexistent"])
        var stats = Campaign.TargetStats(target: "dma", seconds: 20)
        for line in [
            "INFO: -fork=1: 12 seed inputs, starting to fuzz in /tmp/libFuzzerTemp.FuzzWithFork1.dir",
            "#9120: cov: 310 ft: 1204 corp: 40 exec/s: 4560 oom/timeout/crash: 0/0/0 time: 2s job: 1 dft_time: 0",
            "#31024: cov: 355 ft: 1630 corp: 77 exec/s: 5476 oom/timeout/crash: 0/0/0 time: 6s job: 2 dft_time: 0",
            "#88410: cov: 371 ft: 1899 corp: 102 exec/s: 5737 oom/timeout/crash: 0/0/0 time: 16s job: 3 dft_time: 0",
        ] { _ = campaign.update(&stats, line) }
        return stats
    }

    static func finding(detail: String, known: Bool) -> Campaign.Finding {
        Campaign.Finding(
            target: "dma", invariant: .confPrivate, signature: "allocCoherent,free<x>", platform: "tdx",
            input: "campaign/findings/dma/bouncer-dma-\"a&b\".bounce", minimalOperations: 3, detail: detail,
            new: !known, known: known, knownFinding: known ? "share-in-place-stale-page" : nil)
    }

    static func page() -> String {
        let report = Campaign.Report(
            profile: "linux-upstream", seconds: 20, jobs: 1, targets: [stats()],
            findings: [finding(detail: "page <script>alert(1)</script> & 'more'", known: false),
                       finding(detail: "stale page", known: true)])
        let reproducer = CampaignHTML.Reproducer(
            source: "x<y>.bounce", minimised: true, bytes: [0x00, 0xab, 0x10], operations: 2,
            trace: ["#0 dma_alloc_coherent(size=4096) -> <handle 1>", "#1 kfree & reuse"])
        return CampaignHTML(report: report, reproducers: [reproducer, nil]).render()
    }

    @Test func statusLinesBecomeTheSeries() {
        let series = Self.stats().series
        #expect(series.map(\.seconds) == [2, 6, 16])
        #expect(series.map(\.features) == [1204, 1630, 1899])
        #expect(series.map(\.corpus) == [40, 77, 102])
        #expect(series.map(\.execPerSecond) == [4560, 5476, 5737])
    }

    @Test func elementsAreBalanced() throws {
        var open: [String] = []
        let void: Set = ["meta"]  // HTML void elements the page uses; SVG ones close with "/>"
        var rest = Substring(Self.page())
        while let lt = rest.firstIndex(of: "<") {
            let gt = try #require(rest[lt...].firstIndex(of: ">"))
            let tag = rest[rest.index(after: lt) ..< gt]
            rest = rest[rest.index(after: gt)...]
            if tag.hasPrefix("!") { continue }
            let name = String(tag.drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }).lowercased()
            if tag.hasPrefix("/") {
                #expect(open.popLast() == name, "</\(name)> closes \(open.last ?? "nothing")")
            } else if !tag.hasSuffix("/") && !void.contains(name) {
                open.append(name)
            }
        }
        #expect(open.isEmpty, "left open: \(open)")
    }

    @Test func textIsEscaped() {
        let page = Self.page()
        #expect(!page.contains("<script"))
        #expect(page.contains("page &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;more&#39;"))
        #expect(page.contains("bouncer-dma-&quot;a&amp;b&quot;.bounce"))
        #expect(page.contains("-&gt; &lt;handle 1&gt;"))
        #expect(page.contains("<code>allocCoherent,free&lt;x&gt;</code>"))
        #expect(escapeHTML("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    }

    @Test func chartsDrawTheSeries() throws {
        let page = Self.page()
        // Three charts (features, corpus, executions), each a line through the three samples.
        let lines = page.split(separator: "\n").filter { $0.hasPrefix("<polyline points=") }
        #expect(lines.count == 3)
        for line in lines { #expect(line.split(separator: " ").filter { $0.contains(",") }.count == 3) }
        for figure in ["1204", "1630", "1899", "40", "77", "102", "9120", "31k", "88.4k"] {
            #expect(page.contains(": \(figure)</title></circle>"), "sample \(figure) not drawn")
        }
        // Time runs left to right, features upwards: x grows and y (SVG, downwards) shrinks.
        let points = try #require(lines.first).split(separator: "\"")[1].split(separator: " ").map { $0.split(separator: ",").map { Double($0)! } }
        #expect(points[0][0] < points[1][0] && points[1][0] < points[2][0])
        #expect(points[0][1] > points[1][1] && points[1][1] > points[2][1])
    }

    @Test func knownFindingsHaveTheirOwnSection() throws {
        let page = Self.page()
        let known = try #require(page.range(of: "<h2 id=\"known\">"))
        let new = try #require(page.range(of: "page &lt;script&gt;"))
        let stale = try #require(page.range(of: "<td>stale page</td>"))
        #expect(new.lowerBound < known.lowerBound && known.lowerBound < stale.lowerBound)
        #expect(page.contains("<pre class=\"bytes\">00 ab 10</pre>"))
        #expect(page.contains("The reproducer could not be read."))
        #expect(page.contains("known finding share-in-place-stale-page"))
    }

    @Test func ticksAreRound() {
        #expect(SVGChart.ticks(upTo: 1899) == [0, 500, 1000, 1500, 2000])
        #expect(SVGChart.ticks(upTo: 7000) == [0, 2000, 4000, 6000, 8000])
        #expect(SVGChart.ticks(upTo: 0) == [0, 1])
    }
}
