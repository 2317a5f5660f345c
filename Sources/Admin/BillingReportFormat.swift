import AccountCodes
import StoreCore

/// How a billing report is grouped: a line per code, or per client (the codes of one description).
public enum ReportGrouping: String, Sendable, CaseIterable, Codable {
    case code
    case client
}

/// The billing report as CSV, the same from the CLI, the API and the console. Times are given in
/// seconds (exact) and in hours with two decimals (as firms write them); amounts with two decimals,
/// empty where no rate applies.
public enum BillingReportCSV {
    public static let codeHeader = ["code", "description", "listed", "calls", "billsec", "billed_seconds", "billed_hours",
                                    "increment", "minimum", "rate", "amount"]
    public static let clientHeader = ["description", "codes", "calls", "billsec", "billed_seconds", "billed_hours", "amount"]

    public static func text(_ report: BillingReport, by grouping: ReportGrouping) -> String {
        var out = ""
        switch grouping {
        case .code:
            CSV.append(codeHeader, to: &out)
            for line in report.codes {
                CSV.append([line.code, line.description, line.listed ? "1" : "0", String(line.calls), String(line.billsec),
                            String(line.billedSeconds), BillingReport.hours(line.billedSeconds), String(line.terms.increment),
                            String(line.terms.minimum), line.terms.rate?.description ?? "", line.amount?.description ?? ""], to: &out)
            }
        case .client:
            CSV.append(clientHeader, to: &out)
            for client in report.clients {
                CSV.append([client.description, client.codes.joined(separator: " "), String(client.calls), String(client.billsec),
                            String(client.billedSeconds), BillingReport.hours(client.billedSeconds), client.amount?.description ?? ""],
                           to: &out)
            }
        }
        return out
    }
}
