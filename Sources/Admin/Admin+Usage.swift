import AccountCodes
import Foundation
import Store
import StoreCore

extension Admin {
    /// One page of the usage log in arrival order; pass the last entry's id for the next.
    public func usage(_ filter: UsageFilter, afterID: Int64?, limit: Int) async throws(AdminError) -> [UsageEntry] {
        try authorize(.readUsage, account: filter.accountID)
        return try await run { () async throws(StoreError) in try await store.usagePage(filter, afterID: afterID, limit: limit) }
    }

    /// One page of the usage log newest first; pass the last entry's id for the next (older) page.
    public func usageNewestFirst(_ filter: UsageFilter, beforeID: Int64?, limit: Int) async throws(AdminError) -> [UsageEntry] {
        try authorize(.readUsage, account: filter.accountID)
        return try await run { () async throws(StoreError) in try await store.usagePageNewestFirst(filter, beforeID: beforeID, limit: limit) }
    }

    /// Which of these billed codes are in the account's code list (the rest were keyed while
    /// validation was off, or removed since).
    public func listedCodes(account: String, among codes: Set<String>) async throws(AdminError) -> Set<String> {
        try authorize(.readUsage, account: account)
        return try await run { () async throws(StoreError) in try await store.listedCodes(account: account, among: codes) }
    }

    public func usageTotals(_ filter: UsageFilter) async throws(AdminError) -> [CodeTotal] {
        try authorize(.readUsage, account: filter.accountID)
        return try await run { () async throws(StoreError) in try await store.usageTotals(filter) }
    }

    /// The billing report for the filter's period: each code's calls billed by the account's terms
    /// and the code's own (`BillingReport`), per code and per client description. A billing token
    /// may read it: it shows the terms it applied, not the account's other settings.
    public func usageReport(_ filter: UsageFilter) async throws(AdminError) -> BillingReport {
        try await usageTotalsAndReport(filter).report
    }

    /// The totals per code and the billing report from one read of the log (the console's Usage
    /// Log shows both).
    public func usageTotalsAndReport(_ filter: UsageFilter) async throws(AdminError) -> (totals: [CodeTotal], report: BillingReport) {
        try authorize(.readUsage, account: filter.accountID)
        let account = try await run { () async throws(StoreError) in try await store.accountOrDefault(filter.accountID) }
        let durations = try await run { () async throws(StoreError) in try await store.usageDurations(filter) }
        return (durations.map(CodeTotal.init), BillingReport(durations: durations, terms: account.billingTerms))
    }

    public func usageDaily(_ filter: UsageFilter) async throws(AdminError) -> [DayTotal] {
        try authorize(.readUsage, account: filter.accountID)
        return try await run { () async throws(StoreError) in try await store.usageDaily(filter) }
    }

    /// Runs one page's synchronous read somewhere and returns it: where an export's work runs.
    public typealias PageRunner = @Sendable (_ read: @escaping @Sendable () throws -> CSVPage) async throws
        -> CSVPage

    /// Writes the whole filtered log as CSV, a page at a time in arrival order, so memory stays
    /// flat for any size: the header first, then a chunk a page. Pages are read and formatted on
    /// the database's own queue, or by `runPage` (the API's low-priority thread), never on the
    /// caller's thread; `write` may wait (a client reading slowly holds the next page back).
    public func exportUsage(_ filter: UsageFilter, pageSize: Int = 1_000, runPage: PageRunner? = nil,
                            write: (String) async throws -> Void) async throws(AdminError) {
        try authorize(.readUsage, account: filter.accountID)
        do {
            try await write(UsageCSV.headerLine)
            var after: Int64?
            while true {
                let page: CSVPage
                if let runPage, let local = store as? any LocalPageReader {
                    page = try await runPage { [after] in try local.usageCSVPageHere(filter, afterID: after, limit: pageSize) }
                } else {
                    page = try await store.usageCSVPage(filter, afterID: after, limit: pageSize)
                }
                if page.count == 0 { return }
                try await write(page.text)
                after = page.lastID
                if page.count < pageSize { return }
            }
        } catch let error as StoreError {
            throw AdminError(error)
        } catch {
            throw AdminError(.storage, "export stopped: \(error)")
        }
    }
}
