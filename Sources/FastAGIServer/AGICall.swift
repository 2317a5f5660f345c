import AGI
import Logging
import NIOCore
import Synchronization

/// One FastAGI session as a route handler sees it: the environment and typed commands.
///
/// Commands are strictly one at a time (Asterisk must not be pipelined); the API is async,
/// and a handler that awaits each call cannot pipeline by mistake.
public final class AGICall: Sendable {
    /// The PBX's address (4 or 16 bytes), for the tenant rules; nil when unknown.
    public let peerAddress: [UInt8]?
    /// The session's logger, with its uniqueid and route.
    public var logger: Logger { log.logger }
    let log: SessionLogger
    let connection: AGIConnection
    private let state: Mutex<CallState>

    struct CallState {
        var outcome: String?
        var environment: AGIEnvironment?
    }

    init(environment: AGIEnvironment, peerAddress: [UInt8]?, logger: SessionLogger, connection: AGIConnection) {
        self.state = Mutex(CallState(environment: environment))
        self.peerAddress = peerAddress
        self.log = logger
        self.connection = connection
    }

    /// The `agi_*` block Asterisk sent, handed over once: a route reads it as it starts and keeps
    /// what it needs. A call waiting at a prompt then holds no copy of the whole block (about
    /// 1.2 KB a call, an eighth of a held call's memory). A second take gets an empty environment.
    public func takeEnvironment() -> AGIEnvironment {
        state.withLock { $0.environment.take() } ?? AGIEnvironment()
    }

    /// True once Asterisk said `HANGUP` or answered 511: the channel is dead, variables still work.
    public var isHungUp: Bool { connection.isHungUp }

    /// Runs work on this call's event loop: where a route should resume after waiting on another
    /// thread (the usage log), so its next command is written with no hop between loops.
    public func onEventLoop(_ work: @escaping @Sendable () -> Void) {
        connection.eventLoop.execute(work)
    }

    /// A short word for the session's log line (e.g. `ACCEPTED`).
    public var outcome: String? {
        get { state.withLock { $0.outcome } }
        set { state.withLock { $0.outcome = newValue } }
    }

    /// Sends one command and waits for its reply.
    public func send(_ command: AGICommand, timeout: Duration? = nil) async throws(AGICallError) -> AGIReply {
        let line: String
        do { line = try command.encodedLine() } catch { throw .encoding(error) }
        return try await connection.send(line: line, timeout: timeout)
    }

    // MARK: Typed commands

    public func answer() async throws(AGICallError) {
        _ = try await send(.answer)
    }

    /// Plays `file` and collects up to `maxDigits` DTMF digits, ended by `#` or `timeout`.
    public func getData(file: String, timeout: Duration, maxDigits: Int) async -> GetDataResult {
        // Asterisk's timeout is per digit and the prompt plays first: allow for all of it.
        let bound = timeout * (maxDigits + 1) + connection.replyTimeout
        // Encoded here and sent straight on: the frame a waiting call keeps stays small.
        guard let line = try? AGICommand.getData(file: file, timeout: timeout, maxDigits: maxDigits).encodedLine() else { return .hangup }
        do {
            return GetDataResult(reply: try await connection.send(line: line, timeout: bound))
        } catch {
            return .hangup
        }
    }

    public func streamFile(_ file: String, escapeDigits: String = "") async throws(AGICallError) -> StreamFileResult {
        StreamFileResult(reply: try await send(.streamFile(file, escapeDigits: escapeDigits)))
    }

    public func setVariable(_ name: String, _ value: String) async throws(AGICallError) {
        _ = try await send(.setVariable(name, value))
    }

    /// Sets variables in order in one round trip (`EXEC MSet`) when `together` and every pair can
    /// travel through MSet; otherwise, or when Asterisk lacks MSet (`result=-2`), one `SET VARIABLE` each.
    public func setVariables(_ pairs: [(name: String, value: String)], together: Bool = true) async throws(AGICallError) {
        if together, pairs.count > 1, let command = AGICommand.setVariables(pairs) {
            let reply = try await send(command)
            if reply.resultCode != -2 { return }
            logger.warning("Asterisk has no MSet application: setting variables one by one")
        }
        for pair in pairs { try await setVariable(pair.name, pair.value) }
    }

    /// The variable's value, `nil` when unset.
    public func getVariable(_ name: String) async throws(AGICallError) -> String? {
        try await value(of: send(.getVariable(name)))
    }

    /// Evaluates an expression such as `${CDR(billsec)}`.
    public func getFullVariable(_ expression: String) async throws(AGICallError) -> String? {
        try await value(of: send(.getFullVariable(expression)))
    }

    @discardableResult
    public func exec(_ application: String, _ arguments: String = "") async throws(AGICallError) -> AGIReply {
        try await send(.exec(application, arguments))
    }

    public func verbose(_ message: String, level: Int = 1) async throws(AGICallError) {
        _ = try await send(.verbose(message, level: level))
    }

    public func hangup() async throws(AGICallError) {
        _ = try await send(.hangup)
    }

    private func value(of reply: AGIReply) -> String? {
        if case .success(let result, let data, _, _) = reply, result == "1" { return data ?? "" }
        return nil
    }
}
