import Foundation
import HTTPAPI
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import TestSupport
import Testing

/// Refused requests leave a trace an operator can alert on, and a flood cannot fill the disk.
@Suite struct RefusalTests {
    final class Clock: Sendable {
        private let seconds = Mutex<TimeInterval>(0)
        func advance(_ by: TimeInterval) { seconds.withLock { $0 += by } }
        var now: Date { Date(timeIntervalSince1970: 1_800_000_000 + seconds.withLock { $0 }) }
    }

    @Test func aFloodFromOneAddressIsSummarizedNotWrittenLineByLine() {
        let logs = CapturedLog()
        let clock = Clock()
        let log = RefusalLog(logger: Logger(label: "t", factory: { _ in logs.handler }), now: { clock.now })
        for _ in 0..<1_000 { log.refused(.badToken, from: "192.0.2.7", who: nil, what: "GET /api/v1/accounts") }
        // Another address in the same minute still gets its own lines.
        log.refused(.signInFailed, from: "192.0.2.8", who: nil, what: "POST /console/signin")
        #expect(logs.all.filter { $0.contains("refused request") && $0.contains("192.0.2.7") }.count == RefusalLog.burst)
        #expect(logs.all.filter { $0.contains("192.0.2.8") }.count == 1)
        #expect(!logs.all.contains { $0.contains("not logged") })
        // When its minute is over, one line says how many were left out, and lines start again.
        clock.advance(RefusalLog.window)
        log.refused(.badToken, from: "192.0.2.7", who: nil, what: "GET /api/v1/accounts")
        let summary = logs.all.filter { $0.contains("refused requests not logged") }
        #expect(summary.count == 1)
        #expect(summary.first?.contains("count=\(1_000 - RefusalLog.burst)") == true)
        #expect(summary.first?.contains("from=192.0.2.7") == true)
        #expect(logs.all.filter { $0.contains("refused request ") && $0.contains("192.0.2.7") }.count == RefusalLog.burst + 1)
    }

    @Test func whatAPeerSentIsEscapedInTheLine() {
        let logs = CapturedLog()
        let log = RefusalLog(logger: Logger(label: "t", factory: { _ in logs.handler }))
        log.refused(.forbidden, from: "::1", who: "token:x (evil\nname\u{1b}[31m)", what: "GET /x")
        #expect(logs.all.count == 1)
        let line = logs.all.first ?? ""
        #expect(!line.contains("\n"))
        #expect(!line.contains("\u{1b}"))
        #expect(line.contains("evil\\nname"))
    }

    @Test func everyKindOfRefusalOfTheAPIWritesOneWarningWithoutTheTokenOrACode() async throws {
        let h = try await APIHarness()
        let logs = CapturedLog()
        let logger = Logger(label: "api", factory: { _ in logs.handler })
        let guessed = "act_0000000000_" + String(repeating: "y", count: 43)
        try await h.run(logger: logger) { (client: any TestClientProtocol) async throws in
            #expect(try await client.call(.get, "/api/v1/accounts", token: guessed).status == .unauthorized)
            #expect(try await client.call(.get, "/api/v1/accounts", token: nil).status == .unauthorized)
            #expect(try await client.call(.patch, "/api/v1/accounts/acme/codes/1234", token: h.acmeBilling, body: "{}").status == .forbidden)
            #expect(try await client.call(.get, "/api/v1/accounts/acme/codes/5678", token: h.otherAdmin).status == .notFound)
        }
        let refusals = logs.all.filter { $0.contains("refused request") }
        #expect(refusals.count == 4, "\(refusals)")
        for reason in ["bad-token", "no-token", "forbidden", "other-tenant"] {
            #expect(refusals.contains { $0.contains("reason=\(reason)") }, "\(reason)")
        }
        #expect(refusals.contains { $0.contains("reason=forbidden") && $0.contains("acme billing") })
        #expect(refusals.contains { $0.contains("reason=other-tenant") && $0.contains("other portal") && $0.contains("account=acme") })
        for line in logs.all {
            #expect(!line.contains(guessed) && !line.contains(h.acmeBilling) && !line.contains(h.otherAdmin))
            #expect(!line.contains("1234") && !line.contains("5678"), "a code in the log: \(line)")
        }
    }
}
