import AccountCodes
import Admin
import ArgumentParser
import Store
import StoreCore

struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Show or change an account's account-code settings.",
        subcommands: [Show.self, Set.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the account's settings.",
            discussion: "Example: acctcodes account show --account default --json"
        )
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let admin = try await admin(store)
            let account = try await admin.account(store.account)
            if output.json { return try printJSON(account) }
            let s = account.defaults
            let p = account.plan
            print("""
                account                     \(account.id)\(account.name.isEmpty ? "" : " (\(account.name))")
                code length                 \(account.codeLength.map(String.init) ?? "not set")
                max retries                 \(account.maxRetries)
                allow account codes         \(onOff(s.allowAccountCodes))
                require for internal calls  \(onOff(s.requireForInternal))
                validate when dialed        \(onOff(s.validateWhenDialed))
                proceed after max retries   \(onOff(s.proceedAfterMaxRetries))
                calls requiring codes       \(s.callsRequiringCodes.isEmpty ? "none" : s.callsRequiringCodes.sorted().map(\.rawValue).joined(separator: ", "))
                collection for other calls  \(s.collection)
                entry timeout               \(s.entryTimeout) s
                lockout                     \(s.lockoutAfter == 0 ? "off" : "after \(s.lockoutAfter) incorrect entries in \(s.lockoutWindow) min, for \(s.lockoutMinutes) min (doubling)")
                unknown callers             \(account.unknownCallers)
                hide codes in audit log     \(onOff(account.hideCodes))
                billing                     \(describe(account.billingTerms))
                allowed sources             \(account.allowedSources.isEmpty ? "any allowed by the server (until an account lists sources)" : account.allowedSources.joined(separator: ", "))
                country code                \(p.countryCode)
                international prefix        \(p.internationalPrefix)
                trunk prefix                \(p.trunkPrefix.isEmpty ? "none" : p.trunkPrefix)
                outbound dial digit         \(p.outboundDialDigit.isEmpty ? "none" : p.outboundDialDigit)
                local area codes            \(list(p.localAreaCodes))
                premium prefixes            \(list(p.premiumPrefixes))
                toll-free prefixes          \(list(p.tollFreePrefixes))
                directory numbers           \(list(p.directoryNumbers))
                NANP foreign as intl        \(onOff(p.nanpForeignAsInternational))
                codes                       \(try await admin.codeCount(account: account.id))
                """)
        }

        func list(_ values: [String]) -> String { values.isEmpty ? "none" : values.joined(separator: ", ") }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change the account's settings (creates the account if needed).",
            discussion: """
            The code length is set once, when account codes are first set up, and never changes.
            Turning validation on needs at least one code in the account.

            Example, first setup of a law firm:
              acctcodes account set --code-length 4 --max-retries 3 --allow-account-codes on \\
                --calls-requiring-codes international,premium --collection optional --enable-all-users

            Billing in tenths of an hour with a minimum of two tenths, at 350.00 an hour:
              acctcodes account set --billing-increment 360 --billing-minimum 720 --billing-rate 350.00
            """
        )
        @OptionGroup var store: StoreOptions
        @Option(help: "A display name.") var name: String?
        @Option(help: "Digits in every code, 3-7. Set once; never changed.") var codeLength: Int?
        @Option(help: "Incorrect entries allowed on one call, 1-9.") var maxRetries: Int?
        @Option(help: "Master switch: on or off.") var allowAccountCodes: Switch?
        @Option(help: "Prompt on calls to other users of the account: on or off.") var requireForInternal: Switch?
        @Option(help: "Check codes against the account's list: on or off.") var validateWhenDialed: Switch?
        @Option(help: "Let the call proceed without a code after max retries: on or off.") var proceedAfterMaxRetries: Switch?
        @Option(help: "Comma list of international, directory, premium; or none.") var callsRequiringCodes: String?
        @Option(help: "Collection on other outbound calls: required, optional or off.") var collection: String?
        @Option(help: "Seconds to wait for each digit, 1-60.") var entryTimeout: Int?
        @Option(help: "Incorrect entries, across calls, that lock a caller out of code-gated calls; 0 for never (default 10).")
        var lockoutAfter: Int?
        @Option(help: "Minutes over which incorrect entries are counted, 1-1440 (default 60).") var lockoutWindow: Int?
        @Option(help: "Minutes of the first lock, doubling for each further lock within a day, 1-1440 (default 30).")
        var lockoutMinutes: Int?
        @Option(help: "Callers that are not users: refuse (calls needing a code are refused) or group:NAME (treated as that group).")
        var unknownCallers: String?
        @Option(help: "Comma list of PBX addresses or networks (10.1.2.0/24) that may act for this account; none to clear.")
        var allowedSources: String?
        @Option(help: "Keep codes out of the audit log (they are PINs, not client numbers): on or off.")
        var hideCodes: Switch?
        @Option(help: "Country code of the account's numbers, e.g. 1 or 44.") var countryCode: String?
        @Option(help: "Prefix for international calls, e.g. 011 or 00.") var internationalPrefix: String?
        @Option(help: "Trunk prefix for national calls, e.g. 1 or 0; none for no prefix.") var trunkPrefix: String?
        @Option(help: "Digit dialed for an outside line, e.g. 9; none for no digit.") var dialDigit: String?
        @Option(help: "Comma list of area codes whose numbers are local; none to clear.") var localAreaCodes: String?
        @Option(help: "Comma list of premium-rate prefixes beyond 900; none to clear.") var premiumPrefixes: String?
        @Option(help: "Comma list of toll-free prefixes beyond NANP's; none to clear.") var tollFreePrefixes: String?
        @Option(help: "Comma list of directory/operator numbers beyond 411 and 0; none to clear.") var directoryNumbers: String?
        @Option(help: "Treat +1 area codes outside the US and Canada as international: on or off.") var nanpForeignInternational: Switch?
        @OptionGroup var billing: BillingOptions
        @Flag(help: "Also enable account codes for every user who does not have it yet (including users disabled on purpose).")
        var enableAllUsers = false

        func run() async throws {
            let admin = try await admin(store)
            var account = try await admin.accountToEdit(store.account)
            if let name { account.name = name }
            if let codeLength { account.codeLength = codeLength }
            if let maxRetries { account.maxRetries = maxRetries }
            if let v = allowAccountCodes { account.defaults.allowAccountCodes = v.value }
            if let v = requireForInternal { account.defaults.requireForInternal = v.value }
            if let v = validateWhenDialed { account.defaults.validateWhenDialed = v.value }
            if let v = proceedAfterMaxRetries { account.defaults.proceedAfterMaxRetries = v.value }
            if let v = callsRequiringCodes { account.defaults.callsRequiringCodes = try parseRequirable(v) }
            if let v = collection { account.defaults.collection = try parseCollection(v) }
            if let v = entryTimeout { account.defaults.entryTimeout = v }
            if let v = lockoutAfter { account.defaults.lockoutAfter = v }
            if let v = lockoutWindow { account.defaults.lockoutWindow = v }
            if let v = lockoutMinutes { account.defaults.lockoutMinutes = v }
            if let v = unknownCallers {
                guard let value = UnknownCallers(v) else { throw ValidationError("--unknown-callers takes refuse or group:NAME") }
                account.unknownCallers = value
            }
            if let v = allowedSources { account.allowedSources = v == "none" ? [] : commaList(v) }
            if let v = countryCode { account.plan.countryCode = try digits(v, "--country-code") }
            if let v = internationalPrefix { account.plan.internationalPrefix = try digits(v, "--international-prefix") }
            if let v = trunkPrefix { account.plan.trunkPrefix = v == "none" ? "" : try digits(v, "--trunk-prefix") }
            if let v = dialDigit { account.plan.outboundDialDigit = v == "none" ? "" : try digits(v, "--dial-digit") }
            if let v = localAreaCodes { account.plan.localAreaCodes = v == "none" ? [] : commaList(v) }
            if let v = premiumPrefixes { account.plan.premiumPrefixes = v == "none" ? [] : commaList(v) }
            if let v = tollFreePrefixes { account.plan.tollFreePrefixes = v == "none" ? [] : commaList(v) }
            if let v = directoryNumbers { account.plan.directoryNumbers = v == "none" ? [] : commaList(v) }
            if let v = nanpForeignInternational { account.plan.nanpForeignAsInternational = v.value }
            if let v = hideCodes { account.hideCodes = v.value }
            try billing.apply(to: &account)
            let saved = try await admin.saveAccount(account, enableAllUsers: enableAllUsers)
            print("saved account \(account.id)" + (enableAllUsers ? "; enabled account codes for \(saved.enabledUsers) more users" : ""))
            if !saved.closedAccounts.isEmpty {
                // The first account with sources turns tenancy on for every account.
                print("note: accounts now serve only the sources they list; these list none and refuse every PBX: \(saved.closedAccounts.joined(separator: ", "))")
            }
        }

        func digits(_ text: String, _ option: String) throws -> String {
            guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw ValidationError("\(option) takes digits, not \(text.debugDescription)")
            }
            return text
        }
    }
}
