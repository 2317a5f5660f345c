import AccountCodes

/// Every way a store operation can fail, with a message an admin can act on.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    /// Another process held the database longer than the busy timeout.
    case locked
    case rule(RuleViolation)
    case notFound(String)
    case alreadyExists(String)
    case importRejected([String])
    case database(String)
    /// The database cannot be reached or did not answer in time (a network store's outage).
    case unavailable(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open the database at \(path): \(reason)"
        case .locked: "the database is locked by another process; try again"
        case .rule(let violation): violation.description
        case .notFound(let what): "\(what) not found"
        case .alreadyExists(let what): "\(what) already exists"
        case .importRejected(let problems):
            "import rejected, nothing was changed:\n" + problems.map { "  \($0)" }.joined(separator: "\n")
        case .database(let message): "database error: \(message)"
        case .unavailable(let message): "the database is unavailable: \(message)"
        }
    }
}
