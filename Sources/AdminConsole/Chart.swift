/// Bar charts as inline SVG, drawn here: no chart library, nothing fetched by the browser.
/// The numbers are also in the table beside each chart, so the chart only has to show shape.
enum Chart {
    /// One horizontal bar a row: billable minutes per code.
    static func bars(_ items: [(label: String, value: Int)], unit: String, title: String) -> HTML {
        guard !items.isEmpty else { return "" }
        let width = 640, labelWidth = 170, row = 24
        let top = max(items.map(\.value).max() ?? 1, 1)
        let height = items.count * row + 8
        let bars = items.enumerated().map { index, item -> HTML in
            let y = index * row + 4
            let length = max(item.value * (width - labelWidth - 90) / top, item.value > 0 ? 2 : 0)
            return """
                <text x="\(labelWidth - 8)" y="\(y + 15)" text-anchor="end">\(String(item.label.prefix(22)))</text>
                <rect x="\(labelWidth)" y="\(y + 3)" width="\(length)" height="\(row - 8)" fill="#3b6ea8"><title>\(item.label): \(item.value) \(unit)</title></rect>
                <text x="\(labelWidth + length + 6)" y="\(y + 15)">\(item.value)</text>
                """
        }
        return """
            <svg class="chart" viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)" role="img" aria-label="\(title)">\(bars)</svg>
            """
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
            let label: HTML = labelled ? "<text x=\"\(x)\" y=\"\(base + 14)\">\(String(item.label.suffix(5)))</text>" : ""
            return """
                <rect x="\(x)" y="\(base - h)" width="\(step - 2)" height="\(h)" fill="#3b6ea8"><title>\(item.label): \(item.value) \(unit)</title></rect>\(label)
                """
        }
        return """
            <svg class="chart" viewBox="0 0 \(width + 30) \(base + 20)" width="\(width + 30)" height="\(base + 20)" role="img" aria-label="\(title)">
            <text x="0" y="12">\(top)</text><line x1="28" y1="\(base)" x2="\(width)" y2="\(base)" stroke="#8a93a3"/>\(columns)</svg>
            """
    }
}
