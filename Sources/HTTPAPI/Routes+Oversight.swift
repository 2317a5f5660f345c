import AccountCodes
import Admin
import Foundation
import Hummingbird
import Store
import StoreCore

extension OperatorAPI {
    /// Explain, lockouts and the audit log.
    func addOversightRoutes(_ table: inout RouteTable) {
        let t = table.admins
        let account = "/api/v1/accounts/{account}"
        table.add(.get, account + "/explain", access: .explain) { request, context in
            let (admin, id) = (t.admin(context), try request.parameter("account", context))
            guard let user = request.query("user"), !user.isEmpty else { throw AdminError(.invalid, "user is required", field: "user") }
            guard let dialed = request.query("dialed"), !dialed.isEmpty else { throw AdminError(.invalid, "dialed is required", field: "dialed") }
            let explain = Admin.ExplainRequest(account: id, user: user, dialed: dialed, code: request.query("code"),
                                               source: request.query("source"), channel: request.query("channel") ?? "")
            return JSONOut.response(try await admin.explain(explain))
        }
        table.add(.get, account + "/lockouts", access: .readLockouts) { request, context in
            let (admin, id) = (t.admin(context), try request.parameter("account", context))
            return JSONOut.response(try await admin.lockouts(account: id))
        }
        // The subject is user:EXT or device:NAME, URL-encoded (device names have a slash).
        table.add(.delete, account + "/lockouts/{subject}", access: .clearLockouts) { request, context in
            let (admin, id) = (t.admin(context), try request.parameter("account", context))
            let text = try request.parameter("subject", context)
            guard let subject = LockSubject(key: text.removingPercentEncoding ?? text) else {
                throw AdminError(.invalid, "the subject is user:EXT or device:NAME", field: "subject")
            }
            return JSONOut.response(Unlocked(wasLocked: try await admin.unlock(account: id, subject: subject)))
        }
        table.add(.get, account + "/audit", access: .readAudit) { request, context in
            let (admin, id) = (t.admin(context), try request.parameter("account", context))
            let (before, limit) = try Self.auditPaging(request)
            return JSONOut.response(try await admin.audit(account: id, beforeID: before, limit: limit))
        }
        table.add(.get, "/api/v1/audit", access: .administerAccounts) { request, context in
            let admin = t.admin(context)
            let (before, limit) = try Self.auditPaging(request)
            return JSONOut.response(try await admin.audit(account: nil, beforeID: before, limit: limit))
        }
    }

    static func auditPaging(_ request: Request) throws -> (Int64?, Int) {
        let before = try request.queryInt("before", in: 1...Int.max).map(Int64.init)
        return (before, try request.queryInt("limit", default: 100, in: 1...1_000)!)
    }
}
