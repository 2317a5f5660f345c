import AccountCodes
import Admin
import Hummingbird
import Store
import StoreCore

extension OperatorAPI {
    /// Groups and users.
    func addPeopleRoutes(_ table: inout RouteTable) {
        let t = table.admins
        let groups = "/api/v1/accounts/{account}/groups"
        table.add(.get, groups, access: .readSettings) { request, context in
            let (admin, account) = (t.admin(context), try request.parameter("account", context))
            return JSONOut.response(try await admin.groups(account: account))
        }
        table.add(.post, groups, access: .writeSettings) { request, context in
            let (admin, account, body) = (t.admin(context), try request.parameter("account", context), try await request.bytes(context))
            var group = try MergePatch.apply(body, to: SettingsGroup(accountID: account, name: ""))
            try Self.sameAccount(group.accountID, account)
            group.accountID = account
            try await admin.saveGroup(group, create: true)
            return JSONOut.response(group, status: .created)
        }
        table.add(.get, groups + "/{name}", access: .readSettings) { request, context in
            let (admin, account, name) = (t.admin(context), try request.parameter("account", context), try request.parameter("name", context))
            return JSONOut.response(try await admin.group(account: account, name: name))
        }
        table.add(.patch, groups + "/{name}", access: .writeSettings) { request, context in
            let (admin, account, name) = (t.admin(context), try request.parameter("account", context), try request.parameter("name", context))
            let body = try await request.bytes(context)
            let changed = try MergePatch.apply(body, to: try await admin.group(account: account, name: name))
            try Self.sameAccount(changed.accountID, account)
            guard changed.name == name else { throw AdminError(.invalid, "name cannot change", field: "name") }
            try await admin.saveGroup(changed, create: false)
            return JSONOut.response(changed)
        }
        table.add(.delete, groups + "/{name}", access: .writeSettings) { request, context in
            let (admin, account, name) = (t.admin(context), try request.parameter("account", context), try request.parameter("name", context))
            _ = try await admin.removeGroup(account: account, name: name)
            return noContent()
        }

        let users = "/api/v1/accounts/{account}/users"
        table.add(.get, users, access: .readSettings) { request, context in
            let (admin, account) = (t.admin(context), try request.parameter("account", context))
            return JSONOut.response(try await admin.users(account: account))
        }
        table.add(.post, users, access: .writeSettings) { request, context in
            let (admin, account, body) = (t.admin(context), try request.parameter("account", context), try await request.bytes(context))
            let user = try MergePatch.apply(body, to: User(accountID: account, extensionNumber: ""))
            try Self.sameAccount(user.accountID, account)
            try await admin.saveUser(user, create: true)
            return JSONOut.response(user, status: .created)
        }
        table.add(.get, users + ".csv", access: .readSettings) { request, context in
            let (admin, account) = (t.admin(context), try request.parameter("account", context))
            return Self.csv(try await admin.exportUsers(account: account))
        }
        table.add(.post, users + ".csv", access: .writeSettings) { request, context in
            let (admin, account, text) = (t.admin(context), try request.parameter("account", context), try await request.text(context))
            return JSONOut.response(try await admin.importUsers(account: account, csv: text))
        }
        table.add(.get, users + "/{extension}", access: .readSettings) { request, context in
            let (admin, account, ext) = (t.admin(context), try request.parameter("account", context), try request.parameter("extension", context))
            return JSONOut.response(try await admin.user(account: account, extension: ext))
        }
        table.add(.patch, users + "/{extension}", access: .writeSettings) { request, context in
            let (admin, account, ext) = (t.admin(context), try request.parameter("account", context), try request.parameter("extension", context))
            let body = try await request.bytes(context)
            let changed = try MergePatch.apply(body, to: try await admin.user(account: account, extension: ext))
            try Self.sameAccount(changed.accountID, account)
            guard changed.extensionNumber == ext else { throw AdminError(.invalid, "extensionNumber cannot change", field: "extensionNumber") }
            try await admin.saveUser(changed, create: false)
            return JSONOut.response(changed)
        }
        table.add(.delete, users + "/{extension}", access: .writeSettings) { request, context in
            let (admin, account, ext) = (t.admin(context), try request.parameter("account", context), try request.parameter("extension", context))
            try await admin.removeUser(account: account, extension: ext)
            return noContent()
        }
        for (verb, enabled) in [("enable", true), ("disable", false)] {
            table.add(.post, users + "/{extension}/\(verb)", access: .writeSettings) { request, context in
                let (admin, account, ext) = (t.admin(context), try request.parameter("account", context), try request.parameter("extension", context))
                try await admin.setUserEnabled(account: account, extension: ext, enabled)
                return JSONOut.response(try await admin.user(account: account, extension: ext))
            }
        }
        table.add(.post, users + "/{extension}/unlock", access: .clearLockouts) { request, context in
            let (admin, account, ext) = (t.admin(context), try request.parameter("account", context), try request.parameter("extension", context))
            _ = try await admin.user(account: account, extension: ext)
            return JSONOut.response(Unlocked(wasLocked: try await admin.unlock(account: account, subject: .user(ext))))
        }
    }

    static func sameAccount(_ given: String, _ path: String) throws(AdminError) {
        guard given == path else { throw AdminError(.invalid, "accountID must be the path's account", field: "accountID") }
    }

    static func csv(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

struct Unlocked: Encodable {
    var wasLocked: Bool
}
