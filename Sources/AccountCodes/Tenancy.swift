/// Which PBX sources may act for which accounts (tenants), from the accounts' allowed sources.
///
/// While no account lists a source, any source the server admits may use any account: a
/// single-tenant install needs no setup. Once one account lists sources, tenancy is on for all:
/// a request is served only for an account that lists a block holding the request's source,
/// so a tenant added later without sources is closed rather than open to every PBX.
public struct SourceBindings: Sendable, Equatable {
    public struct Binding: Sendable, Equatable {
        public var block: NetworkBlock
        public var accountID: String
        public init(block: NetworkBlock, accountID: String) {
            self.block = block
            self.accountID = accountID
        }
    }

    public var bindings: [Binding]

    public init(_ bindings: [Binding] = []) { self.bindings = bindings }

    /// The accounts' allowed sources; entries that do not parse are skipped (the store refuses
    /// them on save, so only a hand-edited database could hold one).
    public init(accounts: [(id: String, allowedSources: [String])]) {
        bindings = accounts.flatMap { account in
            account.allowedSources.compactMap(NetworkBlock.init).map { Binding(block: $0, accountID: account.id) }
        }
    }

    public var tenancyIsOn: Bool { !bindings.isEmpty }

    /// Whether a request from `source` (its address bytes; nil when unknown, e.g. a Unix socket)
    /// may act for `accountID`.
    public func allows(source: [UInt8]?, account accountID: String) -> Bool {
        guard tenancyIsOn else { return true }
        guard let source else { return false }
        return bindings.contains { $0.accountID == accountID && $0.block.contains(source) }
    }

    /// The accounts a source may use, for logs and `explain`.
    public func accounts(for source: [UInt8]) -> [String] {
        var seen: [String] = []
        for binding in bindings where binding.block.contains(source) && !seen.contains(binding.accountID) {
            seen.append(binding.accountID)
        }
        return seen
    }
}

/// Whether a request may be served at all, before any rule for the call.
public enum Admission: Sendable, Equatable {
    case admitted
    case refused(Reason)

    /// The source is checked first: a PBX that may not use an account learns nothing, not even
    /// whether the account exists. `default` is known on every install.
    public static func check(sourceAllowed: Bool, accountKnown: Bool) -> Admission {
        if !sourceAllowed { return .refused(.sourceNotAllowed) }
        if !accountKnown { return .refused(.unknownAccount) }
        return .admitted
    }

    /// An outbound call refused before the rules: an emergency number still goes through.
    public func decision(for callClass: CallClass, otherwise decision: CallDecision) -> CallDecision {
        guard case .refused(let reason) = self else { return decision }
        return callClass == .emergency ? .proceed(.emergency, reason: .emergency) : .deny(reason: reason)
    }
}
