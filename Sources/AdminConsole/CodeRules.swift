import AccountCodes
import Admin
import Store
import StoreCore

/// What the console's code fields and the setup guidance need to know of an account: its code
/// length (fields take exactly that many digits) and whether codes are checked when dialed. Read
/// only where the principal may read settings; a billing user sees neither.
struct CodeRules: Sendable {
    var account: String
    var codeLength: Int?
    var validates = false
    var codeCount = 0
    var maySetValidation = false

    /// What the principal may read of the account: nothing for a role without settings.
    static func read(_ admin: Admin, account: String) async -> CodeRules {
        guard let stored = try? await admin.account(account) else { return CodeRules(account: account) }
        return CodeRules(stored, codeCount: (try? await admin.codeCount(account: account)) ?? 0,
                         maySetValidation: admin.principal.may(.writeSettings, account: account))
    }

    init(account: String) { self.account = account }

    /// The same, from an account the page has already read.
    init(_ stored: Account, codeCount: Int, maySetValidation: Bool) {
        account = stored.id
        codeLength = stored.codeLength
        validates = stored.defaults.validateWhenDialed
        self.codeCount = codeCount
        self.maySetValidation = maySetValidation
    }

    /// The new-code field: exactly the account's length, digits only, with the server's message
    /// beside it when it refused one.
    func field(_ notice: Notice?) -> HTML {
        let digits = codeLength.map { "[0-9]{\($0)}" } ?? "[0-9]{\(SettingsRules.codeLengths.lowerBound),\(SettingsRules.codeLengths.upperBound)}"
        let size = codeLength.map { " minlength=\"\($0)\" maxlength=\"\($0)\" size=\"\($0 + 2)\"" } ?? ""
        return """
            <input type="text" name="code" id="new-code" inputmode="numeric" autocomplete="off" pattern="\(digits)"\(HTML(trusted: size))
              title="\(hint)" required value="\(notice.entered("code"))"\(notice.invalid("code"))>
            """
    }

    var hint: String {
        codeLength.map { "Exactly \($0) digits, this account's code length (0042 and 42 are different codes)." }
            ?? "Digits only, as many as the account's code length (set on Account Codes)."
    }

    /// Codes exist but nobody checks them: any digits of the right length are accepted and billed.
    /// Said on the Codes and Account Codes pages, with a button to turn validation on.
    func validationOffer(_ visit: Visit) -> HTML {
        guard codeCount > 0, !validates, let length = codeLength else { return "" }
        let button: HTML = maySetValidation ? """
            <form method="post" action="/console/a/\(account)/setup" class="inline">\(Layout.csrfField(visit))
            <input type="hidden" name="step" value="validate"><button id="turn-on-validation">Turn on validation</button></form>
            """ : "Ask an account admin to turn on validation."
        return """
            <div class="notice warning" role="status" id="validation-offer"><p><strong>Codes are not checked.</strong>
            This account has \(codeCount) code(s), but "Validate account codes when dialed" is off: a caller who keys any
            \(length) digits is let through and the call is billed to those digits, even a code that is not in the list.</p>
            <p>\(button)</p></div>
            """
    }
}
