import AccountCodes
import Testing

/// The call path's rules over stored facts, with no store: what is read, and what it decides.
@Suite struct CallSetupTests {
    /// Facts as plain values; it counts the lock reads and can fail the extension lookups.
    final class Facts: CallFacts, @unchecked Sendable {
        var accounts: [String: Account] = [:]
        var users: [String: User] = [:]
        var groups: [String: SettingsGroup] = [:]
        var bindings = SourceBindings()
        var locks: [String: LockState] = [:]
        var extensionsFail = false
        var lockReads = 0

        struct Broken: Error {}

        func account(_ id: String) throws -> Account? { accounts[id] }
        func sourceBindings() throws -> SourceBindings { bindings }
        func user(account: String, extension ext: String) throws -> User? { users[ext] }
        func group(account: String, name: String) throws -> SettingsGroup? { groups[name] }
        func isExtension(account: String, number: String) throws -> Bool {
            if extensionsFail { throw Broken() }
            return users[number] != nil
        }
        func lock(account: String, subject: LockSubject) throws -> LockState? {
            lockReads += 1
            return locks[subject.key]
        }
    }

    /// Codes required for international calls, validated, for user 1001 (enabled).
    static func facts() -> Facts {
        let facts = Facts()
        var account = Account(id: "acme")
        account.codeLength = 4
        account.defaults.allowAccountCodes = true
        account.defaults.validateWhenDialed = true
        account.defaults.callsRequiringCodes = [.international]
        facts.accounts["acme"] = account
        var user = User(accountID: "acme", extensionNumber: "1001")
        user.enabled = true
        facts.users["1001"] = user
        return facts
    }

    static func query(user: String = "1001", dialed: String = "011442079460000", account: String = "acme") -> CallQuery {
        CallQuery(account: account, user: user, dialed: dialed, channel: "SIP/gw-0000001a", now: 1_000)
    }

    @Test func anEnabledUserCallingAbroadIsPromptedAndHisLockIsRead() throws {
        let facts = Self.facts()
        let setup = try CallSetup.resolve(Self.query(), facts: facts)
        #expect(setup.callClass == .international)
        guard case .prompt = setup.decision else { Issue.record("\(setup.decision)"); return }
        #expect(setup.lockSubject == .user("1001"))
        #expect(facts.lockReads == 1)
        #expect(setup.callerEnabled)
    }

    @Test func theLockIsReadOnlyWhenTheCallWouldPromptAndTheLockoutIsOn() throws {
        let facts = Self.facts()
        _ = try CallSetup.resolve(Self.query(dialed: "2125551234"), facts: facts)
        #expect(facts.lockReads == 0)
        facts.accounts["acme"]?.defaults.lockoutAfter = 0
        _ = try CallSetup.resolve(Self.query(), facts: facts)
        #expect(facts.lockReads == 0)
    }

    @Test func anActiveLockDeniesWhatWouldPromptAndOnlyThat() throws {
        let facts = Self.facts()
        facts.locks["user:1001"] = LockState(lockedAt: 900, until: 2_000, strikes: 1, count: 10)
        let locked = try CallSetup.resolve(Self.query(), facts: facts)
        #expect(locked.isLocked)
        #expect(locked.decision == .deny(reason: .lockedOut))
        // Over: the same lock in the past lets the prompt through.
        facts.locks["user:1001"]?.until = 1_000
        #expect(try CallSetup.resolve(Self.query(), facts: facts).isLocked == false)
    }

    @Test func unknownAccountsAreRefusedButDefaultIsAFreshAccount() throws {
        let facts = Self.facts()
        #expect(try CallSetup.resolve(Self.query(account: "nobody"), facts: facts).admission == .refused(.unknownAccount))
        let fresh = try CallSetup.resolve(Self.query(account: Account.defaultID), facts: facts)
        #expect(fresh.admission == .admitted)
        #expect(fresh.account == Account(id: Account.defaultID))
    }

    @Test func theSourceIsCheckedBeforeTheAccountOnlyForPBXRequests() throws {
        let facts = Self.facts()
        facts.bindings = SourceBindings([.init(block: NetworkBlock("10.1.2.0/24")!, accountID: "acme")])
        let outsider = Self.query(account: "nobody").from([192, 0, 2, 1])
        #expect(try CallSetup.resolve(outsider, facts: facts).admission == .refused(.sourceNotAllowed))
        #expect(try CallSetup.resolve(Self.query().from([10, 1, 2, 9]), facts: facts).admission == .admitted)
        // The CLI's view checks no source.
        #expect(try CallSetup.resolve(Self.query(), facts: facts).admission == .admitted)
    }

    @Test func unknownCallersAreRefusedOrTreatedAsTheirGroupWhileItExists() throws {
        let facts = Self.facts()
        let refused = try CallSetup.resolve(Self.query(user: "5550100"), facts: facts)
        #expect(refused.caller == .unknown(.refuse))
        #expect(refused.decision == .deny(reason: .unknownCaller))
        #expect(refused.lockSubject == nil)
        facts.accounts["acme"]?.unknownCallers = .group("lobby")
        // The group does not exist (yet, or any more): still refused.
        #expect(try CallSetup.resolve(Self.query(user: "5550100"), facts: facts).caller == .unknown(.refuse))
        facts.groups["lobby"] = SettingsGroup(accountID: "acme", name: "lobby")
        let lobby = try CallSetup.resolve(Self.query(user: "5550100"), facts: facts)
        #expect(lobby.caller == .unknown(.group("lobby")))
        #expect(lobby.group?.name == "lobby")
        #expect(lobby.lockSubject == .device("SIP/gw"))
    }

    @Test func aUsersGroupOverridesTheAccountAndAFailedExtensionLookupIsNotInternal() throws {
        let facts = Self.facts()
        var quiet = SettingsGroup(accountID: "acme", name: "quiet")
        quiet.overrides.allowAccountCodes = false
        facts.groups["quiet"] = quiet
        facts.users["1001"]?.group = "quiet"
        let setup = try CallSetup.resolve(Self.query(), facts: facts)
        #expect(setup.effective.settings.allowAccountCodes == false)
        #expect(setup.effective.sources[.allowAccountCodes] == .group)
        var other = User(accountID: "acme", extensionNumber: "1002")
        other.enabled = true
        facts.users["1002"] = other
        #expect(try CallSetup.resolve(Self.query(dialed: "1002"), facts: facts).callClass == .internal)
        facts.extensionsFail = true
        #expect(try CallSetup.resolve(Self.query(dialed: "1002"), facts: facts).callClass != .internal)
    }
}
