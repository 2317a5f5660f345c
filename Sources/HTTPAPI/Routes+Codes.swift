import AccountCodes
import Admin
import Hummingbird
import Store
import StoreCore

extension OperatorAPI {
    func addCodeRoutes(_ table: inout RouteTable) {
        let t = table.admins
        let codes = "/api/v1/accounts/{account}/codes"
        table.add(.get, codes, access: .readCodes) { request, context in
            let (admin, account) = (t.admin(context), try request.parameter("account", context))
            let activeOnly = try request.queryBool("active") ?? false
            let limit = try request.queryInt("limit", in: 1...1_000_000)
            return JSONOut.response(try await admin.codes(account: account, activeOnly: activeOnly, limit: limit))
        }
        table.add(.post, codes, access: .writeCodes) { request, context in
            let (admin, account, body) = (t.admin(context), try request.parameter("account", context), try await request.bytes(context))
            let code = try MergePatch.apply(body, to: AccountCode(accountID: account, code: ""))
            try Self.sameAccount(code.accountID, account)
            try await admin.addCode(code)
            return JSONOut.response(code, status: .created)
        }
        table.add(.get, codes + ".csv", access: .readCodes) { request, context in
            let (admin, account) = (t.admin(context), try request.parameter("account", context))
            return Self.csv(try await admin.exportCodes(account: account))
        }
        // All or nothing: a bad file answers 400 with every bad line, and nothing changes.
        table.add(.post, codes + ".csv", access: .writeCodes) { request, context in
            let (admin, account, text) = (t.admin(context), try request.parameter("account", context), try await request.text(context))
            return JSONOut.response(try await admin.importCodes(account: account, csv: text))
        }
        table.add(.get, codes + "/{code}", access: .readCodes) { request, context in
            let (admin, account, code) = (t.admin(context), try request.parameter("account", context), try request.parameter("code", context))
            return JSONOut.response(try await admin.code(account: account, code: code))
        }
        // Deactivating is `{"active": false}`; limits and the description change the same way.
        table.add(.patch, codes + "/{code}", access: .writeCodes) { request, context in
            let (admin, account, code) = (t.admin(context), try request.parameter("account", context), try request.parameter("code", context))
            let body = try await request.bytes(context)
            let changed = try MergePatch.apply(body, to: try await admin.code(account: account, code: code))
            try Self.sameAccount(changed.accountID, account)
            guard changed.code == code else { throw AdminError(.invalid, "code cannot change; add a new one", field: "code") }
            try await admin.updateCode(changed)
            return JSONOut.response(changed)
        }
        table.add(.delete, codes + "/{code}", access: .writeCodes) { request, context in
            let (admin, account, code) = (t.admin(context), try request.parameter("account", context), try request.parameter("code", context))
            try await admin.removeCode(account: account, code: code)
            return noContent()
        }
    }
}
