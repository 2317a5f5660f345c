/// Charts drawn here (a table of meters, an inline SVG): no chart library, nothing fetched by the browser.
/// The numbers are also in the table beside each chart, so the chart only has to show shape.
enum Chart {
    /// One bar a row: billable minutes per code. Native `<meter>` bars in a table, so the labels
    /// are page text at the page's size on any screen; nothing to draw when every value is 0.
    static func bars(_ items: [(label: String, value: Int)], unit: String, title: String) -> HTML {
        guard !items.isEmpty else { return "" }
        let top = items.map(\.value).max() ?? 0
        guard top > 0 else {
            return "<p class=\"empty\" id=\"no-bars\">No \(unit) in this period: the calls with a code were not answered, or lasted 0 s.</p>"
        }
        let rows = items.map { item -> HTML in
            """
            <tr><th scope="row">\(item.label)</th><td><meter min="0" max="\(top)" value="\(item.value)">\(item.value)</meter></td>
            <td class="num">\(item.value)</td></tr>
            """
        }
        return "<table class=\"bars\" aria-label=\"\(title)\"><tbody>\(rows)</tbody></table>"
    }

    /// One column a day: calls per day.
    static func columns(_ items: [(label: String, value: Int)], unit: String, title: String) -> HTML {
        guard !items.isEmpty else { return "" }
        let chartHeight = 160, base = 180
        let step = max(8, min(40, 600 / items.count))
        let width = 40 + items.count * step
        let top = max(items.map(\.value).max() ?? 1, 1)
        let columns = items.enumerated().map { index, item -> HTML in
            let h = max(item.value * chartHeight / top, item.value > 0 ? 1 : 0)
            let x = 30 + index * step
            // A date label on the first, the last and about every seventh column.
            let labelled = index == 0 || index == items.count - 1 || index % max(1, items.count / 6) == 0
            let label: HTML = labelled ? "<text x=\"\(x)\" y=\"\(base + 16)\">\(String(item.label.suffix(5)))</text>" : ""
            return """
                <rect x="\(x)" y="\(base - h)" width="\(step - 2)" height="\(h)" fill="#3b6ea8"><title>\(item.label): \(item.value) \(unit)</title></rect>\(label)
                """
        }
        return """
            <div class="scroll"><svg class="chart" viewBox="0 0 \(width + 30) \(base + 20)" width="\(width + 30)" height="\(base + 20)" role="img" aria-label="\(title)">
            <text x="0" y="14">\(top)</text><line x1="28" y1="\(base)" x2="\(width)" y2="\(base)" stroke="#8a93a3"/>\(columns)</svg></div>
            """
    }
}
