import Foundation
import Testing
@testable import AccountCodes

@Suite struct NetworkBlockTests {
    @Test(arguments: [
        ("10.1.2.0/24", "10.1.2.77", true), ("10.1.2.0/24", "10.1.3.1", false), ("10.1.2.5", "10.1.2.5", true),
        ("10.1.2.5", "10.1.2.6", false), ("0.0.0.0/0", "192.0.2.1", true), ("2001:db8::/32", "2001:db8:1::5", true),
        ("2001:db8::/32", "2001:db9::1", false), ("::1", "::1", true), ("10.0.0.0/8", "::ffff:10.4.5.6", true),
        ("fe80::1:2:3:4/128", "fe80:0:0:0:1:2:3:4", true),
    ])
    func matches(block: String, address: String, expected: Bool) throws {
        let parsed = try #require(NetworkBlock(block))
        let bytes = try #require(NetworkBlock.addressBytes(address))
        #expect(parsed.contains(bytes) == expected)
    }

    @Test(arguments: ["", "10.1.2", "10.1.2.0/33", "256.1.1.1", "01.2.3.4", "10.1.2.3/", "1::2::3", "12345::", ":1", "abc",
                      "10.1.2.3/-1", "10.1.2.3/8x", "g::1", "1:2:3:4:5:6:7:8:9", "10.0.0.0/٨"])
    func refusesWhatIsNotANetwork(text: String) {
        #expect(NetworkBlock(text) == nil)
    }

    @Test func printsAddressesForLogs() throws {
        #expect(NetworkBlock.text(of: try #require(NetworkBlock.addressBytes("192.0.2.7"))) == "192.0.2.7")
        #expect(NetworkBlock.text(of: try #require(NetworkBlock.addressBytes("2001:db8::1"))) == "2001:db8:0:0:0:0:0:1")
    }
}

@Suite struct TenancyTests {
    let a = NetworkBlock.addressBytes("10.1.2.3")!
    let b = NetworkBlock.addressBytes("10.9.9.9")!

    @Test func aSingleTenantInstallNeedsNoSetup() {
        let none = SourceBindings(accounts: [("default", []), ("acme", [])])
        #expect(!none.tenancyIsOn)
        #expect(none.allows(source: a, account: "default"))
        #expect(none.allows(source: nil, account: "acme"))
    }

    @Test func onceOneAccountListsSourcesEveryAccountServesOnlyItsOwn() {
        let bindings = SourceBindings(accounts: [("acme", ["10.1.2.0/24"]), ("globex", ["10.9.9.0/24", "10.1.2.3"]), ("default", [])])
        #expect(bindings.allows(source: a, account: "acme"))
        #expect(bindings.allows(source: a, account: "globex"), "a source may be bound to several accounts")
        #expect(!bindings.allows(source: b, account: "acme"))
        #expect(bindings.allows(source: b, account: "globex"))
        #expect(!bindings.allows(source: a, account: "default"), "an account with no sources is closed once tenancy is on")
        #expect(!bindings.allows(source: nil, account: "acme"))
        #expect(bindings.accounts(for: a) == ["acme", "globex"])
    }

    @Test func theSourceIsCheckedBeforeTheAccountAndEmergencyAlwaysPasses() {
        #expect(Admission.check(sourceAllowed: false, accountKnown: false) == .refused(.sourceNotAllowed))
        #expect(Admission.check(sourceAllowed: true, accountKnown: false) == .refused(.unknownAccount))
        #expect(Admission.check(sourceAllowed: true, accountKnown: true) == .admitted)
        let prompt = CallDecision.prompt(PromptPolicy(poundSkips: false, mustValidate: true, proceedAfterMaxRetries: false, codeLength: 4,
                                                      maxRetries: 3, entryTimeout: 5), reason: .collectionRequired)
        let refused = Admission.refused(.unknownAccount)
        #expect(refused.decision(for: .international, otherwise: prompt) == .deny(reason: .unknownAccount))
        #expect(refused.decision(for: .local, otherwise: .proceed(.notRequired, reason: .collectionOff)) == .deny(reason: .unknownAccount))
        #expect(refused.decision(for: .emergency, otherwise: prompt) == .proceed(.emergency, reason: .emergency))
        #expect(Admission.admitted.decision(for: .international, otherwise: prompt) == prompt)
    }
}

@Suite struct LockoutPolicyTests {
    let policy = LockoutPolicy(maxIncorrect: 5, window: 3600, firstLock: 1800)

    @Test func locksAtTheConfiguredCountAndNotBefore() throws {
        for count in 1..<5 { #expect(policy.lock(afterIncorrect: count, now: 1000, previous: nil) == nil) }
        let lock = try #require(policy.lock(afterIncorrect: 5, now: 1000, previous: nil))
        #expect(lock == LockState(lockedAt: 1000, until: 2800, strikes: 1, count: 5))
        #expect(lock.isActive(at: 2799) && !lock.isActive(at: 2800))
    }

    @Test func locksInARowDoubleUpToADayAndASpellOfQuietStartsOver() throws {
        var previous: LockState?
        var durations: [Double] = []
        var now = 0.0
        for _ in 0..<8 {
            let lock = try #require(policy.lock(afterIncorrect: 5, now: now, previous: previous))
            durations.append(lock.until - lock.lockedAt)
            previous = lock
            now = lock.until + 60
        }
        #expect(durations == [1800, 3600, 7200, 14400, 28800, 57600, 86400, 86400])
        let later = try #require(policy.lock(afterIncorrect: 5, now: now + 2 * 86400, previous: previous))
        #expect(later.strikes == 1 && later.until - later.lockedAt == 1800)
    }

    @Test func countingStartsAfterTheLastLock() {
        let lock = LockState(lockedAt: 5000, until: 6800, strikes: 1, count: 5)
        #expect(policy.countingSince(now: 7000, previous: lock) == 5000)
        #expect(policy.countingSince(now: 20000, previous: lock) == 20000 - 3600)
        #expect(policy.countingSince(now: 100, previous: nil) == 100 - 3600)
        #expect(policy.lock(afterIncorrect: 9, now: 6000, previous: lock) == nil, "already locked")
    }

    @Test func zeroTurnsItOff() {
        let off = LockoutPolicy(maxIncorrect: 0, window: 3600, firstLock: 1800)
        #expect(!off.isOn)
        #expect(off.lock(afterIncorrect: 1000, now: 0, previous: nil) == nil)
    }

    @Test func theDefaultsComeFromTheSettingsInMinutes() {
        let defaults = LockoutPolicy(settings: Settings())
        #expect(defaults == LockoutPolicy(maxIncorrect: 10, window: 3600, firstLock: 1800))
    }

    @Test(arguments: [("SIP/trunk-0000002a", "SIP/trunk"), ("PJSIP/1001-00000001", "PJSIP/1001"), ("Local/x@y-0001;2", "Local/x@y-0001;2"),
                      ("DAHDI/1-1", "DAHDI/1"), ("weird", "weird"), ("SIP/a-b-zz", "SIP/a-b-zz")])
    func aChannelsDeviceDropsTheCallSuffix(channel: String, device: String) {
        #expect(LockSubject.device(ofChannel: channel) == device)
    }

    @Test func subjectsRoundTripThroughTheirKeys() {
        for subject in [LockSubject.user("1001"), .device("SIP/trunk")] { #expect(LockSubject(key: subject.key) == subject) }
        #expect(LockSubject(key: "1001") == nil)
    }

    @Test func aLockRefusesOnlyPrompts() {
        let prompt = CallDecision.prompt(PromptPolicy(poundSkips: true, mustValidate: true, proceedAfterMaxRetries: true, codeLength: 4,
                                                      maxRetries: 3, entryTimeout: 5), reason: .collectionOptional)
        #expect(prompt.lockedOut(true) == .deny(reason: .lockedOut))
        #expect(prompt.lockedOut(false) == prompt)
        #expect(CallDecision.proceed(.emergency, reason: .emergency).lockedOut(true) == .proceed(.emergency, reason: .emergency))
        #expect(CallDecision.proceed(.notRequired, reason: .collectionOff).lockedOut(true) == .proceed(.notRequired, reason: .collectionOff))
    }

    @Test func aLockMidCallEndsTheFlowDeniedButKeepsAFinishedOutcome() {
        let policy = PromptPolicy(poundSkips: false, mustValidate: true, proceedAfterMaxRetries: false, codeLength: 4, maxRetries: 3,
                                  entryTimeout: 5)
        var flow = EntryFlow(policy: policy)
        _ = flow.start()
        #expect(flow.received(.digits("1111"), elapsed: .seconds(3)) == .validate("1111"))
        let locked = flow.lockedOut()
        guard case .finish(let outcome) = locked else {
            Issue.record("expected finish, got \(locked)")
            return
        }
        #expect(outcome.result == .denied && outcome.reason == .lockedOut && outcome.code == nil)
        #expect(flow.lockedOut() == locked)
    }

    @Test func settingsSavedBeforeLockoutsExistedGetTheDefaults() throws {
        let old = #"{"allowAccountCodes":true,"callsRequiringCodes":["international"],"collection":"optional","entryTimeout":7,"proceedAfterMaxRetries":false,"requireForInternal":false,"validateWhenDialed":true}"#
        let settings = try JSONDecoder().decode(Settings.self, from: Data(old.utf8))
        #expect(settings.entryTimeout == 7 && settings.allowAccountCodes)
        #expect(settings.lockoutAfter == 10 && settings.lockoutWindow == 60 && settings.lockoutMinutes == 30)
    }
}

@Suite struct CodeLimitTests {
    @Test func anUnlimitedActiveCodeIsValidForAnyone() {
        #expect(CodeFacts(active: true).check(user: "1001", group: nil, callClass: .international, today: "2026-11-23") == .valid)
        #expect(CodeFacts(active: false).check(user: "1001", group: nil, callClass: .local, today: "2026-11-23") == .inactive)
    }

    @Test func usersAndGroupsListWhoMayUseIt() {
        let code = CodeFacts(active: true, users: ["1001"], groups: ["partners"])
        #expect(code.check(user: "1001", group: nil, callClass: .local, today: "2026-11-23") == .valid)
        #expect(code.check(user: "1002", group: "partners", callClass: .local, today: "2026-11-23") == .valid)
        #expect(code.check(user: "1002", group: "paralegals", callClass: .local, today: "2026-11-23") == .notForCaller)
        #expect(code.check(user: "1002", group: nil, callClass: .local, today: "2026-11-23") == .notForCaller)
    }

    @Test func aLevelAuthorizesUpToItsClass() {
        let national = CodeFacts(active: true, level: .national)
        #expect(national.check(user: "1", group: nil, callClass: .national, today: "2026-11-23") == .valid)
        #expect(national.check(user: "1", group: nil, callClass: .directory, today: "2026-11-23") == .valid)
        #expect(national.check(user: "1", group: nil, callClass: .international, today: "2026-11-23") == .aboveLevel)
        #expect(national.check(user: "1", group: nil, callClass: .premium, today: "2026-11-23") == .aboveLevel)
        #expect(national.check(user: "1", group: nil, callClass: nil, today: "2026-11-23") == .valid, "no class, no level check")
    }

    @Test func datesBoundItBothDaysIncluded() {
        let matter = CodeFacts(active: true, validFrom: "2026-11-01", validUntil: "2026-11-30")
        #expect(matter.check(user: "1", group: nil, callClass: .local, today: "2026-10-31") == .notYetValid)
        #expect(matter.check(user: "1", group: nil, callClass: .local, today: "2026-11-01") == .valid)
        #expect(matter.check(user: "1", group: nil, callClass: .local, today: "2026-11-30") == .valid)
        #expect(matter.check(user: "1", group: nil, callClass: .local, today: "2026-12-01") == .expired)
    }

    @Test func limitsAreCheckedWhenSaved() {
        var code = AccountCode(accountID: "default", code: "1234")
        code.validFrom = "2026-12-01"
        code.validUntil = "2026-11-01"
        #expect(throws: RuleViolation.validityReversed(from: "2026-12-01", until: "2026-11-01")) { try SettingsRules.check(limits: code) }
        code.validUntil = "2026-13-01"
        #expect(throws: RuleViolation.badDay("2026-13-01")) { try SettingsRules.check(limits: code) }
        code.validUntil = nil
        code.users = ["10 01"]
        #expect(throws: RuleViolation.badName("10 01")) { try SettingsRules.check(limits: code) }
    }
}

@Suite struct UnknownCallerTests {
    static func account() -> Account {
        var account = Account(id: "default")
        account.codeLength = 4
        account.defaults.allowAccountCodes = true
        account.defaults.callsRequiringCodes = [.international]
        return account
    }

    func decide(_ callClass: CallClass, _ caller: Caller, group: SettingsGroup? = nil) -> CallDecision {
        let account = Self.account()
        let effective = EffectiveSettings(account: account.defaults, group: group?.overrides, groupPermission: group?.permission, user: nil)
        return CallDecision.decide(callClass: callClass, settings: effective, caller: caller, account: account)
    }

    @Test func refusedWhereACodeWouldBeNeededOnly() {
        #expect(decide(.international, .unknown(.refuse)) == .deny(reason: .unknownCaller))
        #expect(decide(.national, .unknown(.refuse)) == .proceed(.notRequired, reason: .collectionOff))
        #expect(decide(.emergency, .unknown(.refuse)) == .proceed(.emergency, reason: .emergency))
    }

    @Test func treatedAsAGroupTheyArePromptedAsItsUsersAre() {
        var group = SettingsGroup(accountID: "default", name: "lobby")
        group.permission = .local
        guard case .prompt(_, let reason) = decide(.international, .unknown(.group("lobby")), group: group) else {
            Issue.record("expected a prompt")
            return
        }
        #expect(reason == .abovePermission)
        #expect(decide(.local, .unknown(.group("lobby")), group: group) == .proceed(.notRequired, reason: .collectionOff))
    }

    @Test func aKnownUserWithCodesOffIsUnchanged() {
        #expect(decide(.international, .user(enabled: false)) == .proceed(.notRequired, reason: .userNotEnabled))
    }

    @Test func theSettingReadsAndWritesAsText() {
        #expect(UnknownCallers("refuse") == .refuse)
        #expect(UnknownCallers("group:lobby") == .group("lobby"))
        #expect(UnknownCallers("group:") == nil && UnknownCallers("allow") == nil)
        #expect(UnknownCallers.group("lobby").description == "group:lobby")
    }
}
