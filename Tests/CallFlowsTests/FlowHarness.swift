import AccountCodes
import CallFlows
import FakeAsterisk
import FastAGIServer
import Foundation
import Logging
import MemoryStore
import Store
import StoreCore
import Synchronization
import TestSupport
import Testing

/// A configured store and a real server with the account-code routes on a free loopback port.
struct FlowHarness {
    /// The fixture's store; the routes run on it unless they run on `memory`.
    let store: AcctcodesStore
    /// With `inMemory`, the routes run on a memory store holding the same fixture, whose fault
    /// switches break it on demand.
    let memory: MemoryStore?
    let server: FastAGIServer
    let port: Int
    let flows: CallFlows

    /// Account: 4-digit codes, 3 retries, dial digit 9, international and premium need a code, optional collection otherwise.
    /// Users: 1001 enabled; 1002 disabled; 1003 enabled in group `local-only` (permission local).
    enum SpoolLocation {
        case none, besideDatabase, at(String)
    }

    /// `trailingPoundWindow` is long by default, so a `#` the fake sends at once counts as trailing
    /// however busy the machine; a test of a deliberate `#` sets it below the fake's pause.
    static func make(failMode: FailMode = .closed, spool: SpoolLocation = .none, mset: Bool = true, busyTimeout: Double = 5,
                     trailingPoundWindow: Duration = .seconds(30), alertCommand: String? = nil, logs: CapturedLog? = nil,
                     inMemory: Bool = false, configure: (inout Account) -> Void = { _ in }) async throws -> FlowHarness {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("acctcodes-flow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var options = AcctcodesStore.Options()
        options.busyTimeout = busyTimeout
        let store = try AcctcodesStore(path: dir.appendingPathComponent("flows.sqlite").path, options: options)
        var account = Account(id: "default")
        account.codeLength = 4
        account.maxRetries = 3
        account.defaults.allowAccountCodes = true
        account.defaults.callsRequiringCodes = [.international, .premium]
        account.defaults.collection = .optional
        account.plan.outboundDialDigit = "9"
        try store.saveAccount(account)
        _ = try store.importCodes(account: "default", csv: "code,description,active\n1234,Acme,1\n0042,Widget,1\n5555,Old,0\n")
        account.defaults.validateWhenDialed = true
        configure(&account)
        try store.saveAccount(account)
        var group = SettingsGroup(accountID: "default", name: "local-only")
        group.permission = .local
        try store.saveGroup(group, create: true)
        for (ext, enabled, group) in [("1001", true, nil), ("1002", false, nil), ("1003", true, "local-only")] as [(String, Bool, String?)] {
            var user = User(accountID: "default", extensionNumber: ext)
            user.enabled = enabled
            user.group = group
            try store.saveUser(user, create: true)
        }
        var flowConfiguration = CallFlowConfiguration()
        flowConfiguration.failMode = failMode
        flowConfiguration.setVariablesTogether = mset
        flowConfiguration.trailingPoundWindow = trailingPoundWindow
        flowConfiguration.alertCommand = alertCommand
        // Each request is ten minutes after the one before: simulated calls take milliseconds,
        // and a hangup may bill no more than its call's age.
        let requests = Mutex(0.0)
        flowConfiguration.clock = { Date(timeIntervalSinceNow: requests.withLock { $0 += 600; return $0 }) }
        let spoolFile: UsageSpool? = switch spool {
        case .none: nil
        case .besideDatabase: UsageSpool(path: store.path + ".spool.jsonl")
        case .at(let path): UsageSpool(path: path)
        }
        let memory = inMemory ? try Self.copy(of: store, account: "default") : nil
        let flows = CallFlows(store: memory ?? store, configuration: flowConfiguration, spool: spoolFile)
        var router = AGIRouter.builtIn
        flows.install(into: &router)
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.shutdownGracePeriod = .seconds(2)
        var logger = logs.map { logs in Logger(label: "flows-test") { _ in logs.handler } } ?? Logger(label: "flows-test")
        logger.logLevel = logs == nil ? .critical : .trace
        let server = FastAGIServer(configuration: configuration, router: router, logger: logger)
        let port = try await server.start().port!
        return FlowHarness(store: store, memory: memory, server: server, port: port, flows: flows)
    }

    /// A memory store with the account's settings, groups, users and codes as `store` has them.
    static func copy(of store: AcctcodesStore, account id: String) throws -> MemoryStore {
        let memory = MemoryStore()
        if let account = try store.account(id) { memory.put(account) }
        for group in try store.groups(account: id) { memory.put(group) }
        for user in try store.users(account: id) { memory.put(user) }
        for code in try store.codes(account: id) { memory.put(code) }
        return memory
    }

    /// Runs `body` with a harness and stops its server afterwards, also when the body throws.
    static func with<T>(failMode: FailMode = .closed, spool: SpoolLocation = .none, mset: Bool = true, busyTimeout: Double = 5,
                        trailingPoundWindow: Duration = .seconds(30), alertCommand: String? = nil, logs: CapturedLog? = nil,
                        inMemory: Bool = false, configure: (inout Account) -> Void = { _ in },
                        _ body: (FlowHarness) async throws -> T) async throws -> T {
        let h = try await make(failMode: failMode, spool: spool, mset: mset, busyTimeout: busyTimeout,
                               trailingPoundWindow: trailingPoundWindow, alertCommand: alertCommand, logs: logs, inMemory: inMemory,
                               configure: configure)
        do {
            let result = try await body(h)
            await h.stop()
            return result
        } catch {
            await h.stop()
            throw error
        }
    }

    func call(_ route: String = "outbound", account: String = "default", user: String = "1001", dial: String, keys: String = "", hangupAt: Int? = nil,
              style: CallScript.HangupStyle = .sighup, uniqueID: String = UUID().uuidString, extra: String = "",
              variables: [String: String] = [:], dead: Bool = false, missingApplications: Set<String> = [],
              channel: String? = nil, waitForDetachedEntries: Bool = true) async throws -> SessionRecord {
        var environment = SessionEnvironment.call(route: route, account: account, user: user, dial: dial, uniqueID: uniqueID,
                                                  extraQuery: extra.split(separator: "&").map(String.init))
        if let channel { environment.channel = channel }
        var script = CallScript(keys: keys, hangupAtCommand: hangupAt, hangupStyle: style, variables: variables, startsDead: dead)
        script.missingApplications = missingApplications
        return try await run(environment, script: script, waitForDetachedEntries: waitForDetachedEntries)
    }

    /// Runs one session and waits until the server has finished with it, and (unless told not to)
    /// until entries recorded after the answer (an emergency call's) are written.
    func run(_ environment: SessionEnvironment, script: CallScript, waitForDetachedEntries: Bool = true) async throws -> SessionRecord {
        let record = try await FakeAsteriskClient(port: port, sessionTimeout: .seconds(20)).run(environment, script: script)
        // Handlers finish their bookkeeping after the socket closes (the bound only keeps a broken
        // server from hanging the suite; the test's own checks then fail).
        let deadline = ContinuousClock.now + .seconds(60)
        while server.activeSessions > 0 || (waitForDetachedEntries && flows.usageLog.detachedInFlight > 0),
              ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(2))
        }
        return record
    }

    func entries() throws -> [UsageEntry] { try memory?.usage(account: "default") ?? store.usage(UsageFilter(accountID: "default")) }

    func stop() async { await server.shutdown() }

    /// Runs SQL on the database from another process, the way an outage or a bad admin would.
    func sqlite(_ sql: String) async throws {
        #expect(try await ChildProcess.sqlite(store.path, sql) == 0, "sqlite3 \(sql)")
    }
}
