/// A line chart as inline SVG, for the campaign's HTML report: one series over time on axes that
/// start at zero, with round ticks, so two targets' charts read the same way. No script, no
/// external asset; every text is escaped.
struct SVGChart {
    var title: String
    var xLabel: String
    var yLabel: String
    /// (x, y) in the data's units, in x order.
    var points: [(x: Double, y: Double)]
    var colour = "#1f5fa8"
    var width = 350.0
    var height = 220.0

    /// Margins: room for the title above, the tick labels left and below.
    private let left = 58.0, right = 14.0, top = 30.0, bottom = 42.0

    func render() -> String {
        let xs = Self.ticks(upTo: points.map(\.x).max() ?? 0)
        let ys = Self.ticks(upTo: points.map(\.y).max() ?? 0)
        let plotW = width - left - right, plotH = height - top - bottom
        func px(_ x: Double) -> Double { left + x / xs.last! * plotW }
        func py(_ y: Double) -> Double { top + plotH - y / ys.last! * plotH }
        var svg = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"\(Self.n(width))\" height=\"\(Self.n(height))\" viewBox=\"0 0 \(Self.n(width)) \(Self.n(height))\" role=\"img\">",
            "<title>\(escapeHTML(title))</title>",
            "<text x=\"\(Self.n(left))\" y=\"18\" class=\"chart-title\">\(escapeHTML(title))</text>",
        ]
        for y in ys {
            svg.append("<line x1=\"\(Self.n(left))\" y1=\"\(Self.n(py(y)))\" x2=\"\(Self.n(left + plotW))\" y2=\"\(Self.n(py(y)))\" class=\"grid\"/>")
            svg.append("<text x=\"\(Self.n(left - 6))\" y=\"\(Self.n(py(y) + 4))\" text-anchor=\"end\" class=\"tick\">\(Self.label(y))</text>")
        }
        for x in xs {
            svg.append("<line x1=\"\(Self.n(px(x)))\" y1=\"\(Self.n(top + plotH))\" x2=\"\(Self.n(px(x)))\" y2=\"\(Self.n(top + plotH + 4))\" class=\"axis\"/>")
            svg.append("<text x=\"\(Self.n(px(x)))\" y=\"\(Self.n(top + plotH + 17))\" text-anchor=\"middle\" class=\"tick\">\(Self.label(x))</text>")
        }
        svg.append("<line x1=\"\(Self.n(left))\" y1=\"\(Self.n(top))\" x2=\"\(Self.n(left))\" y2=\"\(Self.n(top + plotH))\" class=\"axis\"/>")
        svg.append("<line x1=\"\(Self.n(left))\" y1=\"\(Self.n(top + plotH))\" x2=\"\(Self.n(left + plotW))\" y2=\"\(Self.n(top + plotH))\" class=\"axis\"/>")
        svg.append("<text x=\"\(Self.n(left + plotW / 2))\" y=\"\(Self.n(height - 6))\" text-anchor=\"middle\" class=\"axis-label\">\(escapeHTML(xLabel))</text>")
        svg.append("<text x=\"12\" y=\"\(Self.n(top + plotH / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 12 \(Self.n(top + plotH / 2)))\" class=\"axis-label\">\(escapeHTML(yLabel))</text>")
        let coordinates = points.map { "\(Self.n(px($0.x))),\(Self.n(py($0.y)))" }
        if coordinates.count > 1 {
            svg.append("<polyline points=\"\(coordinates.joined(separator: " "))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>")
        }
        if coordinates.count <= 60 {
            for (c, p) in zip(coordinates, points) {
                let xy = c.split(separator: ",")
                svg.append("<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"2.5\" fill=\"\(colour)\"><title>\(Self.label(p.x)) s: \(Self.label(p.y))</title></circle>")
            }
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n")
    }

    /// Ticks from zero to a round value at or above `maximum`: the largest step of 1, 2 or 5
    /// times a power of ten that still gives four to eight intervals.
    static func ticks(upTo maximum: Double) -> [Double] {
        guard maximum > 0 else { return [0, 1] }
        var decade = 1.0
        while decade <= maximum { decade *= 10 }
        while decade > maximum * 10 { decade /= 10 }
        var step = decade
        for candidate in [decade, decade / 2, decade / 5, decade / 10, decade / 20, decade / 50, decade / 100] {
            step = candidate
            if (maximum / candidate).rounded(.up) >= 4 { break }
        }
        let count = Int((maximum / step).rounded(.up))
        return (0 ... count).map { Double($0) * step }
    }

    /// A tick label: integers in full below 10,000, then with k or M.
    static func label(_ value: Double) -> String {
        if value >= 1_000_000 { return n(value / 1_000_000) + "M" }
        if value >= 10_000 { return n(value / 1000) + "k" }
        return n(value)
    }

    /// A coordinate or figure with at most one decimal, without a trailing ".0".
    static func n(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int(tenths / 10)) : String(tenths / 10)
    }
}

/// Text for HTML and SVG, element content and attribute values alike.
func escapeHTML(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}
