import Testing
@testable import AccountCodes

@Suite struct SettingsTests {
    static func account(length: Int? = 4) -> Account {
        var account = Account(id: "default")
        account.codeLength = length
        account.defaults.allowAccountCodes = length != nil
        account.defaults.collection = .optional
        return account
    }

    @Test func mergeIsFieldByFieldWithSources() {
        var account = Self.account()
        account.defaults.callsRequiringCodes = [.international]
        var group = SettingsOverrides()
        group.collection = .required
        group.entryTimeout = 8
        var user = SettingsOverrides()
        user.entryTimeout = 3
        user.requireForInternal = true
        let effective = EffectiveSettings(account: account.defaults, group: group, groupPermission: .local, user: user)
        #expect(effective.settings.collection == .required)
        #expect(effective.settings.entryTimeout == 3)
        #expect(effective.settings.requireForInternal)
        #expect(effective.settings.callsRequiringCodes == [.international])
        #expect(effective.sources[.collection] == .group)
        #expect(effective.sources[.entryTimeout] == .user)
        #expect(effective.sources[.callsRequiringCodes] == .account)
        #expect(effective.permission == .local)
        #expect(effective.permissionSource == .group)
    }

    @Test func noGroupMeansNoPermissionLimit() {
        let effective = EffectiveSettings(account: Settings(), group: nil, groupPermission: nil, user: nil)
        #expect(effective.permission == .international)
    }

    @Test func userProceedIsCappedByTheAccount() {
        var user = SettingsOverrides()
        user.proceedAfterMaxRetries = true
        var group = SettingsOverrides()
        group.proceedAfterMaxRetries = true
        let capped = EffectiveSettings(account: Self.account().defaults, group: group, groupPermission: nil, user: user)
        #expect(!capped.settings.proceedAfterMaxRetries)
        #expect(capped.sources[.proceedAfterMaxRetries] == .accountCap)
        var allowing = Self.account()
        allowing.defaults.proceedAfterMaxRetries = true
        let kept = EffectiveSettings(account: allowing.defaults, group: nil, groupPermission: nil, user: user)
        #expect(kept.settings.proceedAfterMaxRetries)
        #expect(kept.sources[.proceedAfterMaxRetries] == .user)
    }

    @Test(arguments: [2, 8, 0, -1])
    func codeLengthMustBe3To7(length: Int) {
        #expect(throws: RuleViolation.codeLengthOutOfRange(length)) {
            try SettingsRules.check(account: Self.account(length: length), previous: nil, hasCodes: false)
        }
    }

    @Test(arguments: [3, 7])
    func codeLengthBoundsAreAccepted(length: Int) throws {
        try SettingsRules.check(account: Self.account(length: length), previous: nil, hasCodes: false)
    }

    @Test func codeLengthNeverChangesOnceSet() throws {
        #expect(throws: RuleViolation.codeLengthLocked(current: 4)) {
            try SettingsRules.check(account: Self.account(length: 5), previous: Self.account(length: 4), hasCodes: false)
        }
        #expect(throws: RuleViolation.codeLengthLocked(current: 4)) {
            try SettingsRules.check(account: Self.account(length: nil), previous: Self.account(length: 4), hasCodes: false)
        }
        try SettingsRules.check(account: Self.account(length: 4), previous: Self.account(length: nil), hasCodes: false)
    }

    @Test(arguments: [0, 10])
    func maxRetriesMustBe1To9(retries: Int) {
        var account = Self.account()
        account.maxRetries = retries
        #expect(throws: RuleViolation.maxRetriesOutOfRange(retries)) {
            try SettingsRules.check(account: account, previous: nil, hasCodes: false)
        }
    }

    @Test func allowingCodesNeedsALength() {
        var account = Self.account(length: nil)
        account.defaults.allowAccountCodes = true
        #expect(throws: RuleViolation.codeLengthNotSet) { try SettingsRules.check(account: account, previous: nil, hasCodes: false) }
    }

    @Test func validationNeedsCodes() throws {
        var account = Self.account()
        account.defaults.validateWhenDialed = true
        #expect(throws: RuleViolation.validationWithoutCodes) {
            try SettingsRules.check(account: account, previous: Self.account(), hasCodes: false)
        }
        try SettingsRules.check(account: account, previous: Self.account(), hasCodes: true)
        var overrides = SettingsOverrides()
        overrides.validateWhenDialed = true
        #expect(throws: RuleViolation.validationWithoutCodes) {
            try SettingsRules.check(overrides: overrides, isUser: false, account: account, hasCodes: false)
        }
    }

    @Test func userMayProceedOnlyIfAccountDoes() throws {
        var overrides = SettingsOverrides()
        overrides.proceedAfterMaxRetries = true
        #expect(throws: RuleViolation.userProceedNotAllowedByAccount) {
            try SettingsRules.check(overrides: overrides, isUser: true, account: Self.account(), hasCodes: true)
        }
        try SettingsRules.check(overrides: overrides, isUser: false, account: Self.account(), hasCodes: true)
        var allowing = Self.account()
        allowing.defaults.proceedAfterMaxRetries = true
        try SettingsRules.check(overrides: overrides, isUser: true, account: allowing, hasCodes: true)
    }

    @Test(arguments: ["123", "12345", "12a4", "+123", "１２３４", " 123", ""])
    func codesAreExactLengthDigitsOnly(code: String) {
        #expect(throws: RuleViolation.badCode(code, expectedLength: 4)) { try SettingsRules.check(code: code, account: Self.account()) }
    }

    @Test func leadingZerosAreKept() throws {
        try SettingsRules.check(code: "0042", account: Self.account())
        #expect(throws: RuleViolation.codeLengthNotSet) { try SettingsRules.check(code: "0042", account: Self.account(length: nil)) }
    }

    @Test func newUsersAreNotEnabled() {
        #expect(!User(accountID: "default", extensionNumber: "1001").enabled)
    }
}
