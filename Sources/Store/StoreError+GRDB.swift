import AccountCodes
internal import GRDB
import StoreCore

extension StoreError {
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
