import Testing
@testable import AccountCodes

/// One test per row of the spec's decision table.
@Suite struct CallDecisionTests {
    static func account() -> Account {
        var account = Account(id: "default")
        account.codeLength = 4
        account.maxRetries = 3
        account.defaults.allowAccountCodes = true
        return account
    }

    func decide(_ callClass: CallClass, account: Account = account(), group: SettingsOverrides? = nil,
                permission: CallPermission? = nil, user: SettingsOverrides? = nil, enabled: Bool = true) -> CallDecision {
        let effective = EffectiveSettings(account: account.defaults, group: group, groupPermission: permission, user: user)
        return CallDecision.decide(callClass: callClass, settings: effective, userEnabled: enabled, account: account)
    }

    func policy(skips: Bool, validate: Bool, proceed: Bool) -> PromptPolicy {
        PromptPolicy(poundSkips: skips, mustValidate: validate, proceedAfterMaxRetries: proceed, codeLength: 4, maxRetries: 3, entryTimeout: 5)
    }

    @Test func emergencyIsNeverPromptedNorBlocked() {
        var account = Self.account()
        account.defaults.collection = .required
        #expect(decide(.emergency, account: account, permission: .internal) == .proceed(.emergency, reason: .emergency))
        #expect(decide(.emergency, permission: .internal, enabled: false) == .proceed(.emergency, reason: .emergency))
    }

    @Test func codesNotAllowedMeansNoPrompt() {
        var account = Self.account()
        account.defaults.allowAccountCodes = false
        account.defaults.collection = .required
        #expect(decide(.international, account: account) == .proceed(.notRequired, reason: .codesOff))
    }

    @Test func userNotEnabledMeansNoPrompt() {
        var account = Self.account()
        account.defaults.collection = .required
        #expect(decide(.national, account: account, enabled: false) == .proceed(.notRequired, reason: .userNotEnabled))
    }

    @Test func codesOffButAbovePermissionIsDenied() {
        #expect(decide(.international, permission: .national, enabled: false) == .deny(reason: .abovePermission))
        var account = Self.account()
        account.defaults.allowAccountCodes = false
        #expect(decide(.national, account: account, permission: .local) == .deny(reason: .abovePermission))
        #expect(decide(.local, account: account, permission: .local) == .proceed(.notRequired, reason: .codesOff))
    }

    @Test func abovePermissionNeedsAValidCodeEvenWithValidationOffAndOptional() {
        var account = Self.account()
        account.defaults.collection = .optional
        account.defaults.proceedAfterMaxRetries = true
        #expect(decide(.national, account: account, permission: .local) ==
            .prompt(policy(skips: false, validate: true, proceed: false), reason: .abovePermission))
        #expect(decide(.premium, account: account, permission: .national) ==
            .prompt(policy(skips: false, validate: true, proceed: false), reason: .abovePermission))
        #expect(decide(.directory, account: account, permission: .local) ==
            .prompt(policy(skips: false, validate: true, proceed: false), reason: .abovePermission))
        #expect(decide(.tollfree, account: account, permission: .local) ==
            .prompt(policy(skips: true, validate: false, proceed: true), reason: .collectionOptional), "toll-free counts as local")
    }

    @Test func internalWithRequireOn() {
        var account = Self.account()
        account.defaults.requireForInternal = true
        account.defaults.validateWhenDialed = true
        #expect(decide(.internal, account: account) == .prompt(policy(skips: false, validate: true, proceed: false), reason: .internalRequired))
        account.defaults.validateWhenDialed = false
        account.defaults.proceedAfterMaxRetries = true
        #expect(decide(.internal, account: account) == .prompt(policy(skips: false, validate: false, proceed: true), reason: .internalRequired))
    }

    @Test func internalWithRequireOffIsNotPrompted() {
        var account = Self.account()
        account.defaults.collection = .required
        #expect(decide(.internal, account: account, permission: .internal) == .proceed(.notRequired, reason: .internal))
    }

    @Test(arguments: [CallClass.international, .directory, .premium])
    func callsRequiringCodes(callClass: CallClass) {
        var account = Self.account()
        account.defaults.callsRequiringCodes = [RequirableClass(rawValue: callClass.rawValue)!]
        account.defaults.collection = .optional
        #expect(decide(callClass, account: account) ==
            .prompt(policy(skips: false, validate: false, proceed: false), reason: Reason(rawValue: "\(callClass)-requires-code")!))
        account.defaults.validateWhenDialed = true
        account.defaults.proceedAfterMaxRetries = true
        #expect(decide(callClass, account: account) ==
            .prompt(policy(skips: false, validate: true, proceed: true), reason: Reason(rawValue: "\(callClass)-requires-code")!))
    }

    @Test func otherOutboundCollectionRequired() {
        var group = SettingsOverrides()
        group.collection = .required
        group.validateWhenDialed = true
        #expect(decide(.national, group: group) == .prompt(policy(skips: false, validate: true, proceed: false), reason: .collectionRequired))
    }

    @Test func otherOutboundCollectionOptional() {
        var user = SettingsOverrides()
        user.collection = .optional
        #expect(decide(.local, user: user) == .prompt(policy(skips: true, validate: false, proceed: true), reason: .collectionOptional))
    }

    @Test func otherOutboundCollectionOff() {
        #expect(decide(.international) == .proceed(.notRequired, reason: .collectionOff))
    }
}
