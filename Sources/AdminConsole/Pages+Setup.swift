import AccountCodes
import Admin
import HTTPAPI
import Hummingbird
import Store
import StoreCore

/// Account > Account Codes, as the seed words it: code length and max retries the first time,
/// then the settings, then Save with the question whether to enable every user who does not have
/// Account Codes yet.
extension AdminConsole {
    func addSetup(_ router: Router<APIContext>) {
        let path = "/console/a/:account/setup"
        screen(router, path, render: { visit, notice in
            let account = try await visit.admin.accountToEdit(visit.account)
            guard account.codeLength != nil else { return Self.firstUsePage(visit, account, notice) }
            let codes = try await visit.admin.codeCount(account: visit.account)
            return Self.settingsPage(visit, account, codes: codes, notice: notice)
        }, change: { visit, form in
            var account = try await visit.admin.accountToEdit(visit.account)
            switch form.value("step") {
            case "first-use":
                account.codeLength = try Self.number(form, "codeLength", in: SettingsRules.codeLengths, "Account code length")
                account.maxRetries = try Self.number(form, "maxRetries", in: SettingsRules.maxRetries, "Max retries to validate code")
                let saved = account
                _ = try await visit.admin.saveAccount(saved, enableAllUsers: false)
                return Self.redirect("/console/a/\(account.id)/setup?done=setup")
            case "validate":
                // The offer on the Codes and Account Codes pages: validation on, nothing else changed.
                account.defaults.validateWhenDialed = true
                let saved = account
                _ = try await visit.admin.saveAccount(saved, enableAllUsers: false)
                return Self.redirect("/console/a/\(account.id)/setup?done=validating")
            case "billing":
                // Billing terms ask nothing of the users: saved at once.
                try Self.applyBilling(form, to: &account)
                let saved = account
                _ = try await visit.admin.saveAccount(saved, enableAllUsers: false)
                return Self.redirect("/console/a/\(account.id)/setup?done=billing")
            default:
                let stored = account
                try Self.apply(form, to: &account)
                // Save asks first, as the seed's pop-up does; the answer comes back with the same fields.
                guard let answer = form.value("enableAllUsers") else {
                    // The account's rules, checked before the question so a refused setting is said
                    // at once (the save checks them again in its transaction).
                    let codes = try await visit.admin.codeCount(account: account.id)
                    do throws(RuleViolation) {
                        try SettingsRules.check(account: account, previous: stored, hasCodes: codes > 0)
                    } catch {
                        throw AdminError(StoreError.rule(error))
                    }
                    return try Self.html(Self.confirmPage(visit, form))
                }
                let saved = account
                let result = try await visit.admin.saveAccount(saved, enableAllUsers: answer == "yes")
                let done = answer == "yes" ? "saved-enabled&n=\(result.enabledUsers)" : "saved-not-enabled"
                return Self.redirect("/console/a/\(account.id)/setup?done=\(done)")
            }
        })
    }

    static func number(_ form: Form, _ name: String, in range: ClosedRange<Int>, _ label: String) throws(AdminError) -> Int {
        guard let text = form.text(name), let value = Int(text), range.contains(value) else {
            throw AdminError(.invalid, "\(label) must be a whole number from \(range.lowerBound) to \(range.upperBound)", field: name)
        }
        return value
    }

    /// The settings form's fields onto the account (the rules check them when it is saved).
    static func apply(_ form: Form, to account: inout Account) throws(AdminError) {
        account.maxRetries = try number(form, "maxRetries", in: SettingsRules.maxRetries, "Max retries to validate code")
        var settings = account.defaults
        settings.allowAccountCodes = form.isOn("allowAccountCodes")
        settings.requireForInternal = form.isOn("requireForInternal")
        settings.validateWhenDialed = form.isOn("validateWhenDialed")
        settings.proceedAfterMaxRetries = form.isOn("proceedAfterMaxRetries")
        settings.callsRequiringCodes = Set(form.values("requires").compactMap(RequirableClass.init(rawValue:)))
        guard let collection = form.value("collection").flatMap(Collection.init(rawValue:)) else {
            throw AdminError(.invalid, "choose how codes are collected on other calls", field: "collection")
        }
        settings.collection = collection
        account.defaults = settings
    }

    static func firstUsePage(_ visit: Visit, _ account: Account, _ notice: Notice?) -> HTML {
        let lengths = SettingsRules.codeLengths.map { n -> HTML in "<option value=\"\(n)\"\(HTML.attribute("selected", n == 4))>\(n)</option>" }
        let retries = SettingsRules.maxRetries.map { n -> HTML in "<option value=\"\(n)\"\(HTML.attribute("selected", n == account.maxRetries))>\(n)</option>" }
        return Layout.page("Account Codes", visit: visit, account: account.id, current: "setup", notice: notice, """
            <section><h2>Enable Account Codes on this account</h2>
            <p>This is needed only the very first time Account Codes is enabled on an account.</p>
            <form method="post">\(Layout.csrfField(visit))<input type="hidden" name="step" value="first-use">
            <label>Account code length <select name="codeLength" id="codeLength">\(lengths)</select> digits</label>
            <p class="hint warn">Every code on this account will have this many digits (\(SettingsRules.codeLengths.lowerBound)–\(SettingsRules.codeLengths.upperBound)). This cannot be changed
            later, so choose a length that will meet the account's needs in the long term.</p>
            <label>Max retries to validate code <select name="maxRetries" id="maxRetries">\(retries)</select></label>
            <p class="hint">How many times (\(SettingsRules.maxRetries.lowerBound)–\(SettingsRules.maxRetries.upperBound)) a user can enter an incorrect account code. The industry average is 3–5 attempts.</p>
            <button>Save</button></form></section>
            """)
    }

    static func settingsPage(_ visit: Visit, _ account: Account, codes: Int, notice: Notice?) -> HTML {
        let s = account.defaults
        let retries = SettingsRules.maxRetries.map { n -> HTML in "<option value=\"\(n)\"\(HTML.attribute("selected", n == account.maxRetries))>\(n)</option>" }
        // Validation needs a code to check against: off and locked until the account has one.
        let canValidate = codes > 0 || s.validateWhenDialed
        let validateHint: HTML = canValidate
            ? "If enabled, the code is checked against the codes on the account. If disabled, any number of the right length is taken."
            : "<span class=\"warn\">Add at least one account code before enabling this option</span> (<a href=\"/console/a/\(account.id)/codes\">Codes</a>)."
        func check(_ name: String, _ on: Bool, _ label: String, _ hint: HTML, disabled: Bool = false) -> HTML {
            """
            <label class="check"><input type="checkbox" name="\(name)" id="\(name)"\(HTML.attribute("checked", on))\(HTML.attribute("disabled", disabled))>
            <span>\(label)</span></label><p class="hint">\(hint)</p>
            """
        }
        func requires(_ kind: RequirableClass, _ label: String, _ hint: String) -> HTML {
            """
            <label class="check"><input type="checkbox" name="requires" value="\(kind.rawValue)" id="requires-\(kind.rawValue)"\(HTML.attribute("checked", s.callsRequiringCodes.contains(kind)))>
            <span>\(label)</span></label><p class="hint">\(hint)</p>
            """
        }
        let collections = Collection.allCases.map { c -> HTML in
            "<option value=\"\(c.rawValue)\"\(HTML.attribute("selected", s.collection == c))>\(Self.collectionTitle(c))</option>"
        }
        let offer = CodeRules(account, codeCount: codes, maySetValidation: true).validationOffer(visit)
        return Layout.page("Account Codes", visit: visit, account: account.id, current: "setup", notice: notice, """
            \(offer)<form method="post">\(Layout.csrfField(visit))<input type="hidden" name="step" value="settings">
            <section><h2>Account</h2>
            <p>Account code length: <strong>\(account.codeLength ?? 0) digits</strong> <span class="from">(set once; cannot be changed)</span></p>
            <label>Max retries to validate code <select name="maxRetries">\(retries)</select></label>
            <p class="hint">The industry average is 3–5 attempts.</p></section>
            <section><h2>Account Codes Settings</h2>
            <p class="from">Applied to every user who has Account Codes enabled, except those with custom settings.</p>
            \(check("allowAccountCodes", s.allowAccountCodes, "Allow account codes", "Once saved, Account Codes can be enabled or disabled for each user."))
            \(check("requireForInternal", s.requireForInternal, "Require account codes for internal calls",
                    "If enabled, users are prompted for a code on every call to other users on the account. If disabled, they can tag a call with a star code during it."))
            \(check("validateWhenDialed", s.validateWhenDialed, "Validate account codes when dialed", validateHint, disabled: !canValidate))
            \(check("proceedAfterMaxRetries", s.proceedAfterMaxRetries, "Allow call to proceed after max retries",
                    "If codes are validated and a user reaches the max retries, the call proceeds (on) or ends (off). Users can have this customized only while it is on here."))
            </section>
            <section><h2>Calls requiring account codes</h2>
            <p class="from">To stop these calls without a valid code, also enable "Validate account codes when dialed".</p>
            \(requires(.international, "International", "Calls to a country code other than the caller's. The US and Canada share +1, so calls between them are not international."))
            \(requires(.directory, "Directory assistance", "Directory assistance (411) and operator assistance (0)."))
            \(requires(.premium, "Premium toll", "Calls to 1-900 numbers."))
            <label>Collection on other outbound calls <select name="collection" id="collection">\(collections)</select></label>
            <p class="hint">Whether users are asked for a code on calls not listed above.</p>
            </section>
            <button id="save">Save</button></form>
            \(billingSection(visit, account, notice: notice))
            """)
    }

    static func collectionTitle(_ collection: Collection) -> String {
        switch collection {
        case .required: "Required: a code must be entered"
        case .optional: "Optional: enter a code or press #"
        case .off: "Off: no prompt"
        }
    }

    /// The seed's pop-up, as a page of its own so it works without script: the submitted fields
    /// ride along hidden, and each answer saves them.
    static func confirmPage(_ visit: Visit, _ form: Form) -> HTML {
        let carried = form.pairs.filter { $0.0 != "csrf" && $0.0 != "enableAllUsers" }
            .map { pair -> HTML in "<input type=\"hidden\" name=\"\(pair.0)\" value=\"\(pair.1)\">" }
        return Layout.page("Save Account Codes", visit: visit, account: visit.account, current: "setup", """
            <div class="dialog" role="dialog" aria-labelledby="confirm-title"><h2 id="confirm-title">Apply these settings?</h2>
            <p>These settings will be applied to all users who have Account Codes enabled, except those with custom settings.</p>
            <p><strong>Do you want to enable Account Codes for all users who don't have it yet?</strong></p>
            <form method="post" class="choices">\(Layout.csrfField(visit))\(carried)
            <div><button name="enableAllUsers" value="yes" id="enable-yes">Yes</button>
            <p>Account Codes will be enabled for all existing users who don't have it yet. If it had been turned off on
            purpose for some users, it will have to be turned off for them again.</p></div>
            <div><button name="enableAllUsers" value="no" id="enable-no" class="secondary">No</button>
            <p>Users who don't have it yet keep it off; enable it for each of them on their Settings tab.</p></div>
            <div><a href="/console/a/\(visit.account)/setup" class="button secondary">Cancel</a></div>
            </form></div>
            """)
    }
}
