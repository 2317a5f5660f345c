import AccountCodes
import Admin
import Foundation
import HTTPAPI
import Hummingbird
import Store
import StoreCore

/// Settings groups with their call permission; users with a Settings tab (enable, custom
/// settings beside the value they would inherit, unlock).
extension AdminConsole {
    func addPeople(_ router: Router<APIContext>) {
        screen(router, "/console/a/:account/groups", render: { visit, notice in
            let groups = try await visit.admin.groups(account: visit.account)
            return Self.groupsPage(visit, groups, notice)
        }, change: { visit, form in
            guard let name = form.text("name") else { throw AdminError(.invalid, "give the group a name", field: "name") }
            guard let permission = form.value("permission").flatMap(CallPermission.init(rawValue:)) else {
                throw AdminError(.invalid, "choose a call permission", field: "permission")
            }
            let account = visit.account
            let existing = try await visit.admin.groups(account: account).first { $0.name == name }
            var group = existing ?? SettingsGroup(accountID: account, name: name)
            group.permission = permission
            let saved = group
            try await visit.admin.saveGroup(saved, create: existing == nil)
            return Self.redirect("/console/a/\(account)/groups?done=saved")
        })
        screen(router, "/console/a/:account/users", render: { visit, notice in
            let users = try await visit.admin.users(account: visit.account)
            let rows = users.map { user -> [HTML] in
                ["<a href=\"/console/a/\(user.accountID)/users/\(user.extensionNumber)\">\(user.extensionNumber)</a>", "\(user.name)",
                 "\(user.group ?? "—")", "\(user.enabled ? "enabled" : "off")",
                 "\(user.overrides.isEmpty ? "" : "custom settings")"]
            }
            return Layout.page("Users", visit: visit, account: visit.account, current: "users", notice: notice,
                               Layout.table(["Extension", "Name", "Group", "Account Codes", ""], rows,
                                            empty: "No users yet: add them with the CLI, the API or a CSV import."))
        })
        screen(router, "/console/a/:account/users/:ext", render: { visit, notice in
            let (admin, id, ext) = (visit.admin, visit.account, Self.segment(visit, 4))
            let account = try await admin.account(id), user = try await admin.user(account: id, extension: ext)
            let groups = try await admin.groups(account: id)
            let locked = try await admin.lockouts(account: id).first { $0.subject == LockSubject.user(ext).key }
            return Self.userPage(visit, account: account, user: user, groups: groups, locked: locked, notice: notice)
        }, change: { visit, form in
            let account = visit.account, ext = Self.segment(visit, 4)
            if form.value("do") == "unlock" {
                _ = try await visit.admin.unlock(account: account, subject: .user(ext))
                return Self.redirect("/console/a/\(account)/users/\(ext)?done=unlocked")
            }
            var user = try await visit.admin.user(account: account, extension: ext)
            user.enabled = form.isOn("enabled")
            user.group = form.text("group")
            user.overrides = try Self.overrides(form)
            let saved = user
            try await visit.admin.saveUser(saved, create: false)
            return Self.redirect("/console/a/\(account)/users/\(ext)?done=saved")
        })
    }

    /// A path segment: `/console/a/{account}/users/{ext}` has the extension at 4.
    static func segment(_ visit: Visit, _ index: Int) -> String {
        let parts = visit.request.uri.path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        return parts.count > index ? parts[index] : ""
    }

    static func groupsPage(_ visit: Visit, _ groups: [SettingsGroup], _ notice: Notice?) -> HTML {
        let canEdit = visit.principal.may(.writeSettings, account: visit.account)
        let rows = groups.map { group -> [HTML] in
            ["\(group.name)", "\(permissionTitle(group.permission))", "\(group.overrides.isEmpty ? "account settings" : "custom settings")"]
        }
        let options = CallPermission.allCases.map { p -> HTML in "<option value=\"\(p.rawValue)\">\(permissionTitle(p))</option>" }
        let form: HTML = canEdit ? """
            <section><h2>Add or change a group</h2><form method="post" class="row">\(Layout.csrfField(visit))
            <label>Name<br><input type="text" name="name" required pattern="[A-Za-z0-9_-]+"></label>
            <label>Call permission<br><select name="permission">\(options)</select></label>
            <button>Save group</button></form>
            <p class="hint">With required account codes and local permission, users dial local numbers freely and need a valid
            code for long-distance and international numbers.</p></section>
            """ : ""
        return Layout.page("Settings groups", visit: visit, account: visit.account, current: "groups", notice: notice, """
            \(Layout.table(["Group", "Call permission", "Settings"], rows, empty: "No settings groups yet."))\(form)
            """)
    }

    static func permissionTitle(_ permission: CallPermission) -> String {
        switch permission {
        case .internal: "internal calls only"
        case .local: "up to local calls"
        case .national: "up to long-distance calls"
        case .international: "every call, international included"
        }
    }

    /// The on/off settings a user may customize: the form's name, the title, and where the value
    /// lives in the settings and in the user's overrides.
    struct BooleanField: Sendable {
        let field: SettingField
        let name: String
        let title: String
        let setting: KeyPath<Settings, Bool> & Sendable
        let override: WritableKeyPath<SettingsOverrides, Bool?> & Sendable
    }

    static let booleanFields = [
        BooleanField(field: .allowAccountCodes, name: "allowAccountCodes", title: "Allow account codes",
                     setting: \.allowAccountCodes, override: \.allowAccountCodes),
        BooleanField(field: .requireForInternal, name: "requireForInternal", title: "Require account codes for internal calls",
                     setting: \.requireForInternal, override: \.requireForInternal),
        BooleanField(field: .validateWhenDialed, name: "validateWhenDialed", title: "Validate account codes when dialed",
                     setting: \.validateWhenDialed, override: \.validateWhenDialed),
        BooleanField(field: .proceedAfterMaxRetries, name: "proceedAfterMaxRetries", title: "Allow call to proceed after max retries",
                     setting: \.proceedAfterMaxRetries, override: \.proceedAfterMaxRetries),
    ]

    /// A user's custom settings from the form: "inherit" leaves a field to the group and account.
    static func overrides(_ form: Form) throws(AdminError) -> SettingsOverrides {
        var overrides = SettingsOverrides()
        for field in booleanFields {
            switch form.value(field.name) {
            case "on": overrides[keyPath: field.override] = true
            case "off": overrides[keyPath: field.override] = false
            default: break
            }
        }
        if form.value("requiresCustom") == "custom" {
            overrides.callsRequiringCodes = Set(form.values("requires").compactMap(RequirableClass.init(rawValue:)))
        }
        if let text = form.value("collection"), text != "inherit" {
            guard let collection = Collection(rawValue: text) else { throw AdminError(.invalid, "unknown collection", field: "collection") }
            overrides.collection = collection
        }
        return overrides
    }

    static func userPage(_ visit: Visit, account: Account, user: User, groups: [SettingsGroup], locked: Lockout?, notice: Notice?) -> HTML {
        // What the user would have without custom settings: the account's, then the group's.
        let group = groups.first { $0.name == user.group }
        let inherited = EffectiveSettings(account: account.defaults, group: group?.overrides, groupPermission: group?.permission, user: nil)
        func on(_ value: Bool) -> String { value ? "On" : "Off" }
        // "Proceed after max retries" is the user's to change only while the account allows it.
        let fields = booleanFields.filter { $0.field != .proceedAfterMaxRetries || account.defaults.proceedAfterMaxRetries }
        let rows = fields.map { field -> HTML in
            let current = user.overrides[keyPath: field.override]
            let from = inherited.sources[field.field]?.description ?? "account"
            return """
                <label>\(field.title)<br><select name="\(field.name)" id="\(field.name)">
                <option value="inherit"\(HTML.attribute("selected", current == nil))>Inherit: \(on(inherited.settings[keyPath: field.setting])) (from \(from))</option>
                <option value="on"\(HTML.attribute("selected", current == true))>On (custom)</option>
                <option value="off"\(HTML.attribute("selected", current == false))>Off (custom)</option></select></label>
                """
        }
        let requiresCustom = user.overrides.callsRequiringCodes
        let requiresNow = requiresCustom ?? inherited.settings.callsRequiringCodes
        let inheritedRequires = inherited.settings.callsRequiringCodes.sorted().map(\.rawValue).joined(separator: ", ")
        let boxes = RequirableClass.allCases.map { kind -> HTML in
            "<label class=\"check\"><input type=\"checkbox\" name=\"requires\" value=\"\(kind.rawValue)\"\(HTML.attribute("checked", requiresNow.contains(kind)))><span>\(kind.rawValue)</span></label>"
        }
        let collections = Collection.allCases.map { c -> HTML in
            "<option value=\"\(c.rawValue)\"\(HTML.attribute("selected", user.overrides.collection == c))>\(collectionTitle(c)) (custom)</option>"
        }
        let groupOptions = groups.map { g -> HTML in "<option value=\"\(g.name)\"\(HTML.attribute("selected", g.name == user.group))>\(g.name)</option>" }
        let canEdit = visit.principal.may(.writeSettings, account: account.id)
        var lockNote: HTML = ""
        if let locked {
            let until = Date(timeIntervalSince1970: locked.state.until)
            lockNote = """
                <section><p class="warn">Locked out of code-gated calls until \(Self.time(until)) after \(locked.state.count) incorrect entries.</p>
                <form method="post">\(Layout.csrfField(visit))<input type="hidden" name="do" value="unlock"><button id="unlock">Unlock</button></form></section>
                """
        }
        return Layout.page("User \(user.extensionNumber)\(user.name.isEmpty ? "" : " · " + user.name)", visit: visit, account: account.id,
                           current: "users", notice: notice, """
            \(lockNote)<form method="post">\(Layout.csrfField(visit))<section><h2>Settings</h2>
            <label class="check"><input type="checkbox" name="enabled" id="enabled"\(HTML.attribute("checked", user.enabled))><span>Account Codes enabled for this user</span></label>
            <label>Settings group<br><select name="group"><option value="">(none)</option>\(groupOptions)</select></label>
            <p class="from">Call permission: \(permissionTitle(inherited.permission)) (from \(inherited.permissionSource.description))</p></section>
            <section><h2>Custom settings</h2><p class="from">Each setting follows the group and the account unless customized here.</p>
            \(rows)
            <label>Calls requiring account codes<br><select name="requiresCustom" id="requiresCustom">
            <option value="inherit"\(HTML.attribute("selected", requiresCustom == nil))>Inherit: \(inheritedRequires.isEmpty ? "none" : inheritedRequires)</option>
            <option value="custom"\(HTML.attribute("selected", requiresCustom != nil))>Custom: as ticked below</option></select></label>
            \(boxes)
            <label>Collection on other calls<br><select name="collection" id="collection">
            <option value="inherit"\(HTML.attribute("selected", user.overrides.collection == nil))>Inherit: \(collectionTitle(inherited.settings.collection))</option>\(collections)</select></label>
            </section>\(canEdit ? HTML("<button id=\"save\">Save</button>") : "")</form>
            """)
    }

    /// Times as the usage export writes them (UTC, ISO 8601), without a formatter per row.
    static func time(_ date: Date) -> String { UsageCSV.time(date) }
}
