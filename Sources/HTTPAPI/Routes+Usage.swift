import AccountCodes
import Admin
import Foundation
import Hummingbird
import Store
import StoreCore

/// What `PUT …/usage/{id}/correction` takes: the code (null: as keyed) and why.
struct CorrectionRequest: Codable {
    var code: String?
    var reason = ""
}

/// A page of the usage log; `next` is the `after` of the following page, null at the end.
struct UsagePage: Encodable {
    var entries: [UsageEntry]
    var next: Int64?
}

extension OperatorAPI {
    func addUsageRoutes(_ table: inout RouteTable) {
        let t = table.admins
        let usage = "/api/v1/accounts/{account}/usage"
        table.add(.get, usage, access: .readUsage) { request, context in
            let (admin, filter) = (t.admin(context), try Self.usageFilter(request, context))
            let limit = try request.queryInt("limit", default: 100, in: 1...10_000)!
            let after = try request.queryInt("after", in: 0...Int.max).map(Int64.init)
            let entries = try await admin.usage(filter, afterID: after, limit: limit)
            return JSONOut.response(UsagePage(entries: entries, next: entries.count == limit ? entries.last?.id : nil))
        }
        table.add(.get, usage + "/totals", access: .readUsage) { request, context in
            let (admin, filter) = (t.admin(context), try Self.usageFilter(request, context))
            return JSONOut.response(try await admin.usageTotals(filter))
        }
        table.add(.get, usage + "/report", access: .readUsage) { request, context in
            let (admin, filter) = (t.admin(context), try Self.usageFilter(request, context))
            return JSONOut.response(try await admin.usageReport(filter))
        }
        // A finished call's code set (or with `"code": null` put back as keyed), with the reason.
        table.add(.put, usage + "/{id}/correction", access: .correctUsage) { request, context in
            let (admin, account) = (t.admin(context), try request.parameter("account", context))
            guard let id = Int64(try request.parameter("id", context)), id > 0 else {
                throw AdminError(.invalid, "the entry id is a whole number from 1", field: "id")
            }
            let body = try MergePatch.apply(try await request.bytes(context), to: CorrectionRequest())
            return JSONOut.response(try await admin.correctUsage(account: account, id: id, code: body.code, reason: body.reason))
        }
        // One line per code or client: small enough to answer at once, unlike the log's export.
        table.add(.get, usage + "/report.csv", access: .readUsage) { request, context in
            let (admin, filter) = (t.admin(context), try Self.usageFilter(request, context))
            let grouping = try Self.grouping(request)
            let text = BillingReportCSV.text(try await admin.usageReport(filter), by: grouping)
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        // Streamed a page at a time: a million rows go out in constant memory, and a client that
        // reads slowly holds the next page back instead of the server buffering it.
        table.add(.get, usage + ".csv", access: .readUsage) { request, context in
            let (admin, filter) = (t.admin(context), try Self.usageFilter(request, context))
            try admin.authorize(.readUsage, account: filter.accountID)
            let logger = self.logger
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: ResponseBody { writer in
                do {
                    try await admin.exportUsage(filter, runPage: t.pageRunner) { chunk in try await writer.write(ByteBuffer(string: chunk)) }
                } catch {
                    // The status is sent; cutting the body short is all that is left to say.
                    logger.warning("usage export stopped", metadata: ["error": "\(error)"])
                    throw error
                }
                try await writer.finish(nil)
            })
        }
    }

    /// `by`: `code` (the default) or `client`.
    static func grouping(_ request: Request) throws -> ReportGrouping {
        guard let text = request.query("by") else { return .code }
        guard let grouping = ReportGrouping(rawValue: text) else { throw AdminError(.invalid, "by takes code or client", field: "by") }
        return grouping
    }

    /// `from`/`to` (UTC days, `to` included), `user`, `code`.
    static func usageFilter(_ request: Request, _ context: APIContext) throws -> UsageFilter {
        let account = try request.parameter("account", context)
        do {
            return try UsageFilter(accountID: account, fromDay: request.query("from"), toDay: request.query("to"),
                                   user: request.query("user"), code: request.query("code"))
        } catch {
            throw AdminError(.invalid, "\(error.end) takes a day like 2026-11-01", field: error.end)
        }
    }
}
