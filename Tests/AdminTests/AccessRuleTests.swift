import Admin
import Testing

@Suite struct AccessRuleTests {
    @Test(arguments: Action.allCases)
    func anOperatorMayDoAnythingAnywhere(action: Action) {
        let op = Principal(name: "ops", role: .operator, account: "ignored")
        #expect(op.account == nil)
        #expect(op.may(action, account: "acme"))
        #expect(op.may(action, account: nil))
    }

    @Test(arguments: Action.allCases)
    func scopedRolesActOnTheirAccountOnly(action: Action) {
        let admin = Principal(name: "a", role: .accountAdmin, account: "acme")
        let billing = Principal(name: "b", role: .billing, account: "acme")
        for principal in [admin, billing] {
            #expect(!principal.may(action, account: "other"))
            #expect(!principal.may(action, account: nil))
            #expect(!principal.sees(account: "other"))
            #expect(principal.sees(account: "acme"))
        }
        let operatorsOnly: Set<Action> = [.administerAccounts, .bindSources]
        #expect(admin.may(action, account: "acme") == !operatorsOnly.contains(action))
        #expect(billing.may(action, account: "acme") == [.readUsage, .readCodes].contains(action))
    }

    @Test func tokensAreRandomWellFormedAndHashedStably() {
        let a = TokenSecret.make(), b = TokenSecret.make()
        #expect(a.token != b.token)
        #expect(TokenSecret.isWellFormed(a.token))
        #expect(a.token.hasPrefix("act_\(a.id)_"))
        #expect(TokenSecret.hash(a.token) == a.hash)
        #expect(a.hash.count == 64)
        #expect(!a.hash.contains(a.token))
        for bad in ["", "act_", String(a.token.dropLast()), a.token + "x", "act_\u{7}" + String(a.token.dropFirst(5))] {
            #expect(!TokenSecret.isWellFormed(bad))
        }
    }
}
