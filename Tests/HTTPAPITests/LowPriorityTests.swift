import AccountCodes
import Foundation
import HTTPAPI
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Store
import StoreCore
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The API's exports read on a thread of lower CPU priority, and give the same CSV there.
@Suite struct LowPriorityTests {
    @Test func exportPagesAreReadAtNice19AndMatchTheOrdinaryPath() async throws {
        let h = try await APIHarness()
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

    /// While calls are in progress an export rests after each page, three times as long as the
    /// page took; without calls it does not. Only lower bounds are checked: they hold on any machine.
    @Test func exportsPauseAfterEachPageWhileCallsAreInProgress() async throws {
        let h = try await APIHarness()
        let calls = Mutex(true)
        let threads = LowPriorityThreads { calls.withLock { $0 } }
        let read: @Sendable () throws -> CSVPage = { [store = h.store] in
            Thread.sleep(forTimeInterval: 0.05)  // on the export's own thread, not the test's
            return try store.usageCSVPageHere(UsageFilter(accountID: "acme"), afterID: nil, limit: 5)
        }
        let clock = ContinuousClock()
        let paced = try await clock.measure { _ = try await threads.pageRunner(read) }
        #expect(paced >= .milliseconds(50 * (1 + LowPriorityThreads.pauseFactor)))
        calls.withLock { $0 = false }
        let quiet = try await clock.measure { _ = try await threads.pageRunner(read) }
        #expect(quiet >= .milliseconds(50))
        try await threads.shutdown()
    }

    /// What Hummingbird does per connection (a child task of its server's task group) runs on the
    /// low-priority loop when the service runs through `running`, not on the calls' threads.
    @Test func aServiceAndItsChildTasksRunOnTheLowPriorityLoop() async throws {
        let threads = LowPriorityThreads()
        let seen = Mutex<[(niceness: Int32, onLoop: Bool)]>([])
        let loop = threads.eventLoopGroup.next()
        let probe = Probe {
            #if os(Linux)
            let niceness = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            #else
            let niceness = LowPriorityThreads.niceness
            #endif
            seen.withLock { $0.append((niceness, loop.inEventLoop)) }
        }
        try await threads.running(probe).run()
        try await probe.run()
        let observed = seen.withLock { $0 }
        #expect(observed.count == 4)
        for inside in observed.prefix(2) {
            #expect(inside.onLoop)
            #expect(inside.niceness == LowPriorityThreads.niceness)
        }
        // The same service run directly stays off the loop: the check above can fail.
        for outside in observed.suffix(2) { #expect(!outside.onLoop) }
        try await threads.shutdown()
    }

    struct Probe: Service {
        let record: @Sendable () -> Void

        func run() async throws {
            record()
            await withTaskGroup(of: Void.self) { group in
                group.addTask { record() }
            }
        }
    }
}
