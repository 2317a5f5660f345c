import AGI
import AccountCodes
import ArgumentParser
import Foundation
import Histogram
import Store
import StoreCore

@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acctcodes-bench",
        abstract: "acctcodes micro-benchmarks and the benchmark store seed. Prints figures; asserts nothing.",
        subcommands: [Seed.self, Lookup.self, UsageInsert.self, Core.self, NIOFloor.self]
    )
}

/// Seeds the standard benchmark store: one account, users 1000..., codes 0000000.. of 7 digits.
struct Seed: ParsableCommand {
    @Option var db: String
    @Option var users = 1000
    @Option var codes = 1_000_000

    func run() throws {
        let store = try AcctcodesStore(path: db)
        var account = Account(id: "default")
        account.codeLength = 7
        account.maxRetries = 3
        account.defaults.allowAccountCodes = true
        account.defaults.callsRequiringCodes = [.international, .premium]
        account.defaults.collection = .optional
        try store.saveAccount(account)
        let started = ContinuousClock.now
        var csv = "code,description,active\n"
        csv.reserveCapacity(codes * 24)
        for i in 0..<codes { csv += "\(Self.code(i)),Client \(i),1\n" }
        let summary = try store.importCodes(account: "default", csv: csv)
        print("imported \(summary.added + summary.updated) codes in \(ContinuousClock.now - started)")
        account.defaults.validateWhenDialed = true
        try store.saveAccount(account)
        for i in 0..<users {
            var user = User(accountID: "default", extensionNumber: String(1000 + i))
            user.enabled = true
            try store.saveUser(user, create: true)
        }
        print("seeded \(users) users; valid code for load: \(Self.code(1234))")
    }

    static func code(_ i: Int) -> String {
        let digits = String(i)
        return String(repeating: "0", count: max(0, 7 - digits.count)) + digits
    }
}

/// Code lookup latency in a large store: the validation every prompted call makes.
struct Lookup: AsyncParsableCommand {
    @Option var db: String
    @Option var iterations = 200_000

    func run() async throws {
        let store = try AcctcodesStore(path: db)
        let count = try await store.codeCount(account: "default")
        var generator = SystemRandomNumberGenerator()
        print("code lookup in \(count) codes, \(iterations) lookups each (half of them misses):")
        for (name, synchronous) in [("on the caller's thread (what the server uses)", true), ("through GRDB's async API", false)] {
            // Nanoseconds, so sub-microsecond differences show.
            var histogram = Histogram<UInt64>(highestTrackableValue: 10_000_000_000, numberOfSignificantValueDigits: .three)
            var hits = 0
            let clock = ContinuousClock()
            let started = clock.now
            for _ in 0..<iterations {
                let code = Seed.code(Int.random(in: 0..<(count * 2), using: &generator))
                let before = clock.now
                let valid = synchronous ? try store.isValidCode(account: "default", code: code)
                    : try await store.isValidCodeAsync(account: "default", code: code)
                let took = clock.now - before
                if valid { hits += 1 }
                _ = histogram.record(UInt64(took.components.seconds * 1_000_000_000 + took.components.attoseconds / 1_000_000_000))
            }
            let elapsed = clock.now - started
            let us = { (ns: UInt64) in String(format: "%.1f", Double(ns) / 1000) }
            print("  \(name): p50 \(us(histogram.valueAtPercentile(50))) us  p99 \(us(histogram.valueAtPercentile(99))) us  "
                + "p99.9 \(us(histogram.valueAtPercentile(99.9))) us  mean \(String(format: "%.1f", histogram.mean / 1000)) us, "
                + "\(String(format: "%.0f", Double(iterations) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)))/s, \(hits) hits")
        }
        let clock = ContinuousClock()
        let setups = iterations / 4
        let started = clock.now
        for i in 0..<setups {
            _ = try store.callSetup(CallQuery(account: "default", user: String(1000 + i % 1000), dialed: "011442079460000", now: 0))
        }
        let perSetup = (clock.now - started) / setups
        print("  call setup (account, user, group, classify, decide): mean \(perSetup.formatted(.units(allowed: [.microseconds], fractionalPart: .show(length: 1))))")
    }
}

/// The usage-log write every call waits for: entries committed in batches, as the writer does
/// under load, into the store's log (which keeps them).
struct UsageInsert: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "usage-insert")
    @Option var db: String
    @Option var entries = 100_000
    @Option var batch = 20
    @Flag(name: .customLong("request-ids"), help: "Entries with a PBX and a request id, as the shipped dialplan sends them from the first server it asks.")
    var requestIDs = false
    @Flag(help: "With --request-ids: entries asked again (attempt 2), each looking for an earlier attempt first.")
    var retries = false

    func run() throws {
        let store = try AcctcodesStore(path: db)
        let clock = ContinuousClock()
        let started = clock.now
        var written = 0
        while written < entries {
            let count = min(batch, entries - written)
            try store.applyUsage((0..<count).map { i in
                let n = written + i
                var entry = UsageEntry(startedAt: Date(), route: "outbound", accountID: "default", user: String(1000 + n % 1000),
                                       callerID: String(1000 + n % 1000), dialed: "011442079460000", callClass: "international",
                                       asked: "required", incorrectEntries: 0, result: "ACCEPTED", reason: "code-valid",
                                       code: Seed.code(n % 1_000_000), uniqueID: "1700000000.\(n)", linkedID: "1700000000.\(n)",
                                       channel: "PJSIP/\(1000 + n % 1000)-0000\(n)")
                if requestIDs {
                    entry.pbx = "pbx-a"
                    entry.request = "1700000000.\(n)"
                    entry.attempt = retries ? 2 : 1
                }
                return .record(entry: entry)
            })
            written += count
        }
        let elapsed = clock.now - started
        let micros = (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12) / Double(entries)
        print(String(format: "usage log: %d entries in commits of %d%@: %.1f us an entry", entries, batch,
                     requestIDs ? (retries ? " asked again (looking first)" : " with request ids, first attempts") : "", micros))
    }
}

/// The sans-IO core: classifier, decision, wire parsing and encoding, per operation.
struct Core: ParsableCommand {
    @Option var iterations = 1_000_000

    func run() throws {
        var plan = NumberingPlan()
        plan.localAreaCodes = ["415", "628"]
        let classifier = CallClassifier(plan: plan)
        let numbers = ["011442079460000", "2125550100", "4155550100", "911", "18005550100", "19005551234", "5550100"]
        measure("classify a number") { i in _ = classifier.classify(numbers[i % numbers.count]) }
        var account = Account(id: "default")
        account.codeLength = 4
        account.defaults.allowAccountCodes = true
        account.defaults.callsRequiringCodes = [.international]
        let effective = EffectiveSettings(account: account.defaults, group: nil, groupPermission: .national, user: nil)
        measure("decide a call") { _ in _ = CallDecision.decide(callClass: .international, settings: effective, userEnabled: true, account: account) }
        let lines = ["200 result=1234", "200 result= (timeout)", "200 result=1 (value (x))", "200 result=0 endpos=3520"]
        measure("parse a reply line") { i in
            var parser = ReplyParser()
            _ = try? parser.feed(lines[i % lines.count])
        }
        measure("encode a command") { _ in _ = try? AGICommand.setVariable("ACCTCODE_REASON", "code-valid").encodedLine() }
        let results = [("CHANNEL(accountcode)", "0001234"), ("ACCTCODE", "0001234"), ("ACCTCODE_RESULT", "ACCEPTED"),
                       ("ACCTCODE_ALLOW", "1"), ("ACCTCODE_CLASS", "international"), ("ACCTCODE_REASON", "code-valid")]
        measure("encode the MSet") { _ in _ = try? AGICommand.setVariables(results.map { (name: $0.0, value: $0.1) })?.encodedLine() }
        // What Asterisk 20 sends for an outbound call (as in the recorded transcripts).
        let environment = [
            "agi_request: agi://127.0.0.1/outbound?number=011442079460000", "agi_channel: PJSIP/1001-00000001",
            "agi_language: en", "agi_type: PJSIP", "agi_uniqueid: 1700000000.1", "agi_version: 20.5.0",
            "agi_callerid: 1001", "agi_calleridname: Alice", "agi_callingpres: 0", "agi_callingani2: 0", "agi_callington: 0",
            "agi_callingtns: 0", "agi_dnid: 011442079460000", "agi_rdnis: unknown", "agi_context: from-internal",
            "agi_extension: 011442079460000", "agi_priority: 2", "agi_enhanced: 0.0", "agi_accountcode: ",
            "agi_threadid: 140000000000000", "agi_network: yes", "agi_network_script: outbound?number=011442079460000", "",
        ]
        measure("parse an environment") { _ in
            var parser = EnvironmentParser()
            for line in environment { _ = try? parser.feed(line) }
        }
    }

    func measure(_ name: String, _ body: (Int) -> Void) {
        let clock = ContinuousClock()
        let started = clock.now
        for i in 0..<iterations { body(i) }
        let elapsed = clock.now - started
        let nanos = (Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9) / Double(iterations)
        print(String(format: "%-22@ %8.1f ns/op", name as NSString, nanos))
    }
}
