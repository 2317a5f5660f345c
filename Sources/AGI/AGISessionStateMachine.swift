/// One FastAGI session, server side, as a value: what has been read, what is waiting for a reply,
/// and every deadline. Each event (a line read, the timer firing, a command from the route, the
/// peer closing) returns the action the connection must perform. No sockets and no clock: time
/// comes in with the events, as a `Duration` since any fixed origin the caller chooses.
///
/// Modelled on postgres-nio's connection state machine: the channel handler that drives it holds
/// only the route's one waiting continuation and performs actions, so the rules (timeouts, limits,
/// the hangup forms, one command at a time) are tested here without sockets or sleeps.
public struct AGISessionStateMachine: Sendable {
    public struct Limits: Sendable, Equatable {
        public var environment: EnvironmentParser.Limits
        public var environmentTimeout: Duration
        public var sessionTimeout: Duration

        public init(environment: EnvironmentParser.Limits = .init(), environmentTimeout: Duration = .seconds(5),
                    sessionTimeout: Duration = .seconds(600)) {
            self.environment = environment
            self.environmentTimeout = environmentTimeout
            self.sessionTimeout = sessionTimeout
        }
    }

    /// Why the server ends a session. `nil` in `close` is an ordinary end (the route finished).
    public enum CloseReason: Sendable, Equatable, CustomStringConvertible {
        case environmentTimeout(Duration)
        case badEnvironment(String)
        case sessionTimeout(Duration)
        /// `command` is redacted: a verb, never a value.
        case replyTimeout(command: String, after: Duration)
        case protocolError(String)
        case lineTooLong(Int)

        public var description: String {
            switch self {
            case .environmentTimeout(let limit): "environment not received within \(limit)"
            case .badEnvironment(let why): "bad environment: \(why)"
            case .sessionTimeout(let limit): "session exceeded \(limit)"
            case .replyTimeout(let command, let after): "no reply within \(after) to \(command)"
            case .protocolError(let why): why
            case .lineTooLong(let limit): "line longer than \(limit) bytes"
            }
        }
    }

    public enum Action: Sendable, Equatable {
        case none
        /// Make sure the timer fires no later than this (then send `timerFired`).
        case armTimer(at: Duration)
        /// The environment is complete: start the route; arm the timer if `timerAt` is set. (The
        /// timer armed for the environment usually stays: when it fires it is re-armed for the
        /// session's deadlines, so a short session costs no timer work.)
        case startSession(AGIEnvironment, timerAt: Duration?)
        /// Write the command line; arm the timer if `timerAt` is set (its reply deadline is the soonest).
        case write(String, timerAt: Duration?)
        /// Resume the route's waiting command with this reply.
        case succeedCommand(AGIReply)
        /// Resume the route's waiting command with this error; nothing was written.
        case failCommand(AGICallError)
        /// The channel hung up (a `HANGUP` line, or a 511 reply with no command waiting).
        case markHungUp
        /// A reply came with no command waiting: log its status code (never its text: it may hold a code).
        case ignoreUnexpectedReply(status: String)
        /// Close the connection; fail the waiting command first if there is one. A reason means
        /// the peer broke a limit or the protocol (worth a warning); none, an ordinary end.
        case close(reason: CloseReason?, failCommand: AGICallError?)
        /// A socket error (a reset, a broken pipe): the peer is gone as surely as if it had closed.
        /// Mark the call hung up *before* failing the waiting command, then close.
        case connectionLost(failCommand: AGICallError?)
        /// The connection is gone: fail the waiting command, if any, and release everything.
        case release(failCommand: AGICallError?)
    }

    struct Pending: Sendable, Equatable {
        var command: String
        var deadline: Duration
        var timeout: Duration
    }

    enum State: Sendable {
        case idle
        case environment(EnvironmentParser, deadline: Duration)
        case running(replies: ReplyParser, pending: Pending?, sessionDeadline: Duration)
        /// The server asked to close; the peer's close (`peerClosed`) ends it.
        case closing
        case closed
    }

    public let limits: Limits
    private var state: State = .idle
    /// When the one timer fires next, if armed: a new deadline later than it needs no new timer.
    private var timerAt: Duration?
    public private(set) var isHungUp = false

    public init(limits: Limits) {
        self.limits = limits
    }

    /// True from the first event until the connection is closed or closing.
    public var isOpen: Bool {
        switch state {
        case .environment, .running: true
        case .idle, .closing, .closed: false
        }
    }

    // MARK: Events

    public mutating func connected(now: Duration) -> Action {
        guard case .idle = state else { return .none }
        let deadline = now + limits.environmentTimeout
        state = .environment(EnvironmentParser(limits: limits.environment), deadline: deadline)
        return arm(deadline)
    }

    public mutating func lineRead(_ line: String, now: Duration) -> Action {
        switch state {
        case .environment(var parser, let deadline):
            // Drop the state's copy first so the parser's buffers have one owner while appending.
            state = .idle
            do {
                switch try parser.feed(line) {
                case .needMore:
                    state = .environment(parser, deadline: deadline)
                    return .none
                case .complete(let environment):
                    let sessionDeadline = now + limits.sessionTimeout
                    state = .running(replies: ReplyParser(), pending: nil, sessionDeadline: sessionDeadline)
                    if let timerAt, timerAt <= sessionDeadline { return .startSession(environment, timerAt: nil) }
                    timerAt = sessionDeadline
                    return .startSession(environment, timerAt: sessionDeadline)
                }
            } catch {
                return close(.badEnvironment("\(error)"))
            }
        case .running(var replies, let pending, let sessionDeadline):
            let event: AGIInboundEvent?
            do {
                event = try replies.feed(line)
            } catch {
                return close(.protocolError("\(error)"))
            }
            switch event {
            case nil, .progress:
                state = .running(replies: replies, pending: pending, sessionDeadline: sessionDeadline)
                return .none
            case .hangup:
                state = .running(replies: replies, pending: pending, sessionDeadline: sessionDeadline)
                isHungUp = true
                return .markHungUp
            case .reply(let reply):
                if reply == .deadChannel { isHungUp = true }
                state = .running(replies: replies, pending: nil, sessionDeadline: sessionDeadline)
                guard pending != nil else {
                    return reply == .deadChannel ? .markHungUp : .ignoreUnexpectedReply(status: Self.status(of: reply))
                }
                return .succeedCommand(reply)
            }
        case .idle, .closing, .closed:
            return .none
        }
    }

    /// A line longer than the limit (the splitter refused it).
    public mutating func lineTooLong(limit: Int) -> Action {
        isOpen ? close(.lineTooLong(limit)) : .none
    }

    /// The route sends a command: written at once, or failed if the session cannot take it.
    public mutating func commandIssued(_ line: String, timeout: Duration, now: Duration) -> Action {
        guard case .running(let replies, let pending, let sessionDeadline) = state else {
            return .failCommand(.connectionClosed)
        }
        // Asterisk reads one command at a time: a second before the first's reply is a bug.
        guard pending == nil else { return .failCommand(.protocolViolation("a command is already waiting for its reply")) }
        let deadline = now + timeout
        state = .running(replies: replies, pending: Pending(command: line, deadline: deadline, timeout: timeout),
                         sessionDeadline: sessionDeadline)
        // Usually the timer is already due sooner (the session deadline is far, but re-armed to
        // the last reply's deadline): then no timer work at all.
        if let timerAt, timerAt <= deadline { return .write(line, timerAt: nil) }
        timerAt = deadline
        return .write(line, timerAt: deadline)
    }

    public mutating func timerFired(now: Duration) -> Action {
        timerAt = nil
        switch state {
        case .environment(_, let deadline):
            return now >= deadline ? close(.environmentTimeout(limits.environmentTimeout)) : arm(deadline)
        case .running(_, let pending, let sessionDeadline):
            if now >= sessionDeadline { return close(.sessionTimeout(limits.sessionTimeout)) }
            if let pending, now >= pending.deadline {
                let command = Self.redacted(pending.command)
                return close(.replyTimeout(command: command, after: pending.timeout), failing: .replyTimeout(command: command))
            }
            return arm(min(sessionDeadline, pending?.deadline ?? sessionDeadline))
        case .idle, .closing, .closed:
            return .none
        }
    }

    /// The route handler returned: the server ends the session.
    public mutating func routeFinished() -> Action {
        isOpen ? close(nil) : .none
    }

    /// A socket error: resets and broken pipes are how Asterisk ends sessions after a hangup. The
    /// route must see a hung-up call, not an ordinary close: its failed command is a hangup.
    public mutating func errorCaught() -> Action {
        guard isOpen else { return .none }
        isHungUp = true
        return .connectionLost(failCommand: enterClosing())
    }

    /// The connection is closed, by either side.
    public mutating func peerClosed() -> Action {
        var failing: AGICallError?
        if case .running(_, let pending, _) = state, pending != nil { failing = .connectionClosed }
        state = .closed
        timerAt = nil
        isHungUp = true
        return .release(failCommand: failing)
    }

    // MARK: Helpers

    private mutating func arm(_ deadline: Duration) -> Action {
        timerAt = deadline
        return .armTimer(at: deadline)
    }

    private mutating func close(_ reason: CloseReason?, failing: AGICallError? = nil) -> Action {
        let pending = enterClosing()
        return .close(reason: reason, failCommand: failing ?? pending)
    }

    /// Moves to `closing`; returns the error for the command still waiting, if one is.
    private mutating func enterClosing() -> AGICallError? {
        var failing: AGICallError?
        if case .running(_, let pending, _) = state, pending != nil { failing = .connectionClosed }
        state = .closing
        timerAt = nil
        return failing
    }

    /// The command without its values, for logs and errors: a `SET VARIABLE ACCTCODE` value is an
    /// account code, and codes never reach a log.
    public static func redacted(_ line: String) -> String {
        let words = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
        let keep = words.first == "SET" || words.first == "GET" ? 3 : 2
        return words.prefix(keep).joined(separator: " ")
    }

    static func status(of reply: AGIReply) -> String {
        switch reply {
        case .success: "200"
        case .invalidCommand: "510"
        case .deadChannel: "511"
        case .usage: "520"
        case .other(let code, _): "\(code)"
        }
    }
}

/// Errors a route handler sees from a session's commands.
public enum AGICallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The socket is closed: Asterisk hung up the session, or a limit closed it.
    case connectionClosed
    case replyTimeout(command: String)
    case encoding(AGICommand.EncodingError)
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .connectionClosed: "connection closed"
        case .replyTimeout(let command): "no reply in time to \(command)"
        case .encoding(let error): error.description
        case .protocolViolation(let what): what
        }
    }
}
