import AccountCodes
import Store
import StoreCore

/// Every way an admin operation fails, in one shape for the CLI and the API: what went wrong, in
/// words an admin can act on, and the field it is about when there is one.
public struct AdminError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable, Codable {
        /// The request itself is malformed (a bad value, an unknown field).
        case invalid
        /// The rules refuse the change.
        case rule
        /// No token, or one not valid.
        case unauthenticated
        /// The token may not do this.
        case forbidden
        case notFound = "not-found"
        case conflict
        /// Another process holds the database; try again.
        case busy
        case storage
    }

    public var kind: Kind
    public var message: String
    public var field: String?
    /// For a refused import: every bad line.
    public var problems: [String]
    /// A "not found" that is really a scoped token asking about another account: the client is
    /// told only "not found", the server's log says what it was.
    public var otherTenant = false

    public init(_ kind: Kind, _ message: String, field: String? = nil, problems: [String] = []) {
        self.kind = kind
        self.message = message
        self.field = field
        self.problems = problems
    }

    public var description: String {
        problems.isEmpty ? message : ([message] + problems.map { "  \($0)" }).joined(separator: "\n")
    }

    public static func forbidden(_ what: String) -> AdminError {
        AdminError(.forbidden, "this token may not \(what)")
    }

    /// A store failure in this shape; rule violations name their field.
    public init(_ error: StoreError) {
        switch error {
        case .rule(let violation): self.init(.rule, violation.description, field: violation.field)
        case .notFound(let what): self.init(.notFound, "\(what) not found")
        case .alreadyExists(let what): self.init(.conflict, "\(what) already exists")
        // A well-formed file whose lines break the rules (a wrong header is one of them): 422, like any rule.
        case .importRejected(let problems): self.init(.rule, "import rejected, nothing was changed", problems: problems)
        case .locked, .unavailable: self.init(.busy, error.description)
        case .cannotOpen, .database: self.init(.storage, error.description)
        }
    }
}

extension RuleViolation {
    /// The field of an account, group, user or code (as the API names it) the rule is about.
    public var field: String? {
        switch self {
        case .codeLengthOutOfRange, .codeLengthLocked, .codeLengthNotSet: "codeLength"
        case .maxRetriesOutOfRange: "maxRetries"
        case .entryTimeoutOutOfRange: "entryTimeout"
        case .validationWithoutCodes: "validateWhenDialed"
        case .userProceedNotAllowedByAccount: "proceedAfterMaxRetries"
        case .badCode: "code"
        case .lockoutOutOfRange: "lockout"
        case .badSource: "allowedSources"
        case .badDay: "validFrom"
        case .badName: "name"
        case .validityReversed: "validUntil"
        case .unknownGroupForUnknownCallers: "unknownCallers"
        case .badExtension: "extensionNumber"
        case .badAccountID: "id"
        case .billingOutOfRange: "billing"
        }
    }
}
