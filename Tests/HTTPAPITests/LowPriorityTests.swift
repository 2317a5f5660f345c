import AccountCodes
import Foundation
import HTTPAPI
import Hummingbird
import HummingbirdTesting
import Logging
import Store
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The API's exports read on a thread of lower CPU priority, and give the same CSV there.
@Suite struct LowPriorityTests {
    @Test func exportPagesAreReadAtNiceTenAndMatchTheOrdinaryPath() async throws {
        let h = try APIHarness()
        let operations = (0..<12).map { i in
            UsageOperation.record(entry: UsageEntry(route: "outbound", accountID: "acme", user: "1001", callerID: "1001",
                                                    dialed: "0114420\(i)", callClass: "international", asked: "required", incorrectEntries: 0,
                                                    result: "ACCEPTED", reason: "code-valid", code: "0042", uniqueID: "u\(i)",
                                                    linkedID: "u\(i)", channel: "SIP/1001-\(i)"))
        }
        _ = try h.store.applyUsage(operations)
        let threads = LowPriorityThreads()
        #if os(Linux)
        let niceness = Mutex<Int32?>(nil)
        _ = try await threads.pageRunner { [store = h.store] in
            niceness.withLock { $0 = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) }
            return try store.usageCSVPageHere(UsageFilter(accountID: "acme"), afterID: nil, limit: 5)
        }
        #expect(niceness.withLock { $0 } == LowPriorityThreads.niceness)
        #endif
        var configuration = OperatorAPI.Configuration()
        configuration.allowList = nil
        let plain = h.api
        let lowered = OperatorAPI(store: h.store, configuration: configuration, logger: Logger(label: "test"), threads: threads)
        let bodies = Mutex<[String]>([])
        for api in [plain, lowered] {
            try await Application(router: api.router().router).test(.router) { client in
                let csv = try await client.call(.get, "/api/v1/accounts/acme/usage.csv", token: h.acmeBilling)
                #expect(csv.status == .ok)
                bodies.withLock { $0.append(csv.body) }
            }
        }
        let texts = bodies.withLock { $0 }
        #expect(texts.count == 2)
        #expect(texts.first?.split(separator: "\n").count == 13)
        #expect(texts.first == texts.last)
        try await threads.shutdown()
    }
}
