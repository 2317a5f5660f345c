import AccountCodes
import GRDB

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
        }
    }

    /// Maps whatever GRDB or the rules threw into a `StoreError`.
    static func wrap(_ error: any Error) -> StoreError {
        switch error {
        case let error as StoreError: return error
        case let violation as RuleViolation: return .rule(violation)
        case let error as DatabaseError:
            switch error.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED: return .locked
            case .SQLITE_NOTADB, .SQLITE_CORRUPT, .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_IOERR, .SQLITE_FULL:
                return .database("\(error.message ?? "\(error.resultCode)") (\(error.resultCode))")
            default: return .database(error.message ?? "\(error)")
            }
        default: return .database("\(error)")
        }
    }
}
