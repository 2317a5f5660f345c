import AccountCodes
import Admin
import Hummingbird
import Store
import StoreCore

/// An account as the API shows it: its settings and how many codes it has.
struct AccountView: Encodable {
    var account: Account
    var codeCount: Int
}

extension OperatorAPI {
    func addAccountRoutes(_ table: inout RouteTable) {
        let table0 = table.admins
        table.add(.get, "/api/v1/accounts") { _, context in
            let admin = table0.admin(context)
            return JSONOut.response(try await admin.accountListing())
        }
        table.add(.get, "/api/v1/accounts/{account}", access: .readSettings) { request, context in
            let admin = table0.admin(context)
            let id = try request.parameter("account", context)
            let account = try await admin.account(id)
            return JSONOut.response(AccountView(account: account, codeCount: try await admin.codeCount(account: id)))
        }
        // Creates the account when it is new (operators only). `enableAllUsers=true` is the
        // explicit "enable for every user who does not have it yet" of the save.
        table.add(.patch, "/api/v1/accounts/{account}", access: .writeSettings) { request, context in
            let admin = table0.admin(context)
            let id = try request.parameter("account", context)
            let enableAll = try request.queryBool("enableAllUsers") ?? false
            let body = try await request.bytes(context)
            var changed = try MergePatch.apply(body, to: try await admin.accountToEdit(id))
            guard changed.id == id else { throw AdminError(.invalid, "id cannot change", field: "id") }
            changed.id = id
            return JSONOut.response(try await admin.saveAccount(changed, enableAllUsers: enableAll))
        }
    }
}
