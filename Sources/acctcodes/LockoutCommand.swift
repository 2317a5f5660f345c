import AccountCodes
import Admin
import ArgumentParser
import Foundation
import Store
import StoreCore

struct LockoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lockout",
        abstract: "Callers locked out after too many incorrect codes: list them, lift a lock.",
        discussion: """
        A lock is on a user (user:1001) or, for callers who are not users, on the device the calls
        came from (device:SIP/trunk). Locks end by themselves; lifting one also forgets the
        subject's incorrect entries and past locks.
        """,
        subcommands: [List.self, Clear.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the account's current locks.", discussion: "Example: acctcodes lockout list")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions
        func run() async throws {
            let locks = try await admin(store).lockouts(account: store.account)
            if output.json { return try printJSON(locks) }
            let iso = ISO8601DateFormatter()
            printTable(["SUBJECT", "LOCKED AT", "UNTIL", "ENTRIES", "STRIKES"], locks.map {
                [$0.subject, iso.string(from: Date(timeIntervalSince1970: $0.state.lockedAt)),
                 iso.string(from: Date(timeIntervalSince1970: $0.state.until)), String($0.state.count), String($0.state.strikes)]
            })
        }
    }

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lift a lock: user:EXT or device:NAME.", discussion: "Example: acctcodes lockout clear device:SIP/trunk")
        @OptionGroup var store: StoreOptions
        @Argument(help: "user:EXT or device:NAME.") var subject: String
        func run() async throws {
            guard let parsed = LockSubject(key: subject) else { throw ValidationError("the subject is user:EXT or device:NAME") }
            try await unlock(store, parsed)
        }
    }
}

func unlock(_ store: StoreOptions, _ subject: LockSubject) async throws {
    let wasLocked = try await admin(store).unlock(account: store.account, subject: subject)
    print(wasLocked ? "unlocked \(subject)" : "\(subject) was not locked; its incorrect entries are forgotten")
}
