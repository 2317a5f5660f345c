import AccountCodes
import Foundation

extension CodeDurations {
    /// One row of a store's count (`UsageStore.usageDurations`): the calls of a code at one number
    /// of billable seconds, with the code's facts; `terms` is the code's own billing terms as JSON.
    public typealias Row = (code: String, seconds: Int, calls: Int, description: String, listed: Bool, terms: String?)

    /// A store's rows folded per code, in byte order of the codes (as totals are), each code's own
    /// terms decoded once. SQLite and PostgreSQL count the same way and fold through here.
    public static func folded(_ rows: some Sequence<Row>) -> [CodeDurations] {
        var byCode: [String: CodeDurations] = [:]
        for row in rows {
            if byCode[row.code] == nil {
                let billing = row.terms.flatMap { try? JSONDecoder().decode(BillingOverrides.self, from: Data($0.utf8)) }
                byCode[row.code] = CodeDurations(code: row.code, description: row.description, listed: row.listed, billing: billing,
                                                 callsBySeconds: [:])
            }
            byCode[row.code]?.callsBySeconds[row.seconds, default: 0] += row.calls
        }
        return byCode.values.sorted { $0.code.utf8.lexicographicallyPrecedes($1.code.utf8) }
    }
}

extension CodeTotal {
    /// A code's totals from its counted durations: the same figures `UsageStore.usageTotals` gives
    /// (each call's billable seconds rounded up to a whole minute), without reading the log again.
    public init(_ durations: CodeDurations) {
        var calls = 0, billsec = 0, minutes = 0
        for (seconds, count) in durations.callsBySeconds {
            calls += count
            billsec += seconds * count
            minutes += (seconds + 59) / 60 * count
        }
        self.init(code: durations.code, description: durations.description, calls: calls, billsec: billsec,
                  billableMinutes: minutes, listed: durations.listed)
    }
}
