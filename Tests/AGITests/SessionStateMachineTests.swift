import Testing
@testable import AGI

/// The session protocol without sockets or sleeps: time is a number passed in.
@Suite struct SessionStateMachineTests {
    typealias Machine = AGISessionStateMachine
    let limits = Machine.Limits(environment: .init(maxLines: 4, maxBytes: 200), environmentTimeout: .seconds(5),
                                sessionTimeout: .seconds(600))
    let t0 = Duration.seconds(1000)

    /// A machine with its environment read at `t0`.
    func running() -> Machine {
        var m = Machine(limits: limits)
        _ = m.connected(now: t0)
        _ = m.lineRead("agi_network_script: outbound?user=1001", now: t0)
        guard case .startSession = m.lineRead("", now: t0) else { Issue.record("no session"); return m }
        return m
    }

    @Test func environmentThenSessionStartsWithTheTimerLeftAlone() {
        var m = Machine(limits: limits)
        #expect(m.connected(now: t0) == .armTimer(at: t0 + .seconds(5)))
        #expect(m.lineRead("agi_uniqueid: 1.2", now: t0) == .none)
        guard case .startSession(let environment, let timerAt) = m.lineRead("", now: t0 + .seconds(1)) else {
            Issue.record("no session"); return
        }
        #expect(environment.uniqueID == "1.2")
        #expect(timerAt == nil, "the environment's timer fires first and is re-armed then")
    }

    @Test func environmentTimeoutClosesAtTheDeadlineNotBefore() {
        var m = Machine(limits: limits)
        _ = m.connected(now: t0)
        _ = m.lineRead("agi_network: yes", now: t0)
        #expect(m.timerFired(now: t0 + .seconds(4)) == .armTimer(at: t0 + .seconds(5)), "an early timer is re-armed")
        #expect(m.timerFired(now: t0 + .seconds(5)) == .close(reason: .environmentTimeout(.seconds(5)), failCommand: nil))
        #expect(!m.isOpen)
        #expect(m.lineRead("", now: t0 + .seconds(6)) == .none, "nothing after close")
    }

    @Test func environmentLimitsAndGarbageClose() {
        for lines in [["not an environment"], (0..<5).map { "agi_x\($0): v" }] {
            var m = Machine(limits: limits)
            _ = m.connected(now: t0)
            var last = Machine.Action.none
            for line in lines { last = m.lineRead(line, now: t0) }
            guard case .close(.badEnvironment, nil) = last else { Issue.record("\(lines): \(last)"); continue }
        }
    }

    @Test func aShortSessionStartedSoonerThanTheEnvironmentTimerArmsItsOwnDeadline() {
        var m = Machine(limits: .init(environmentTimeout: .seconds(5), sessionTimeout: .milliseconds(300)))
        _ = m.connected(now: t0)
        guard case .startSession(_, let timerAt) = m.lineRead("", now: t0) else { Issue.record("no session"); return }
        #expect(timerAt == t0 + .milliseconds(300))
        #expect(m.timerFired(now: t0 + .milliseconds(300)) == .close(reason: .sessionTimeout(.milliseconds(300)), failCommand: nil))
    }

    @Test func commandWriteReplyResume() {
        var m = running()
        #expect(m.commandIssued("ANSWER", timeout: .seconds(30), now: t0) == .write("ANSWER", timerAt: nil),
                "the environment timer is sooner: no timer work")
        #expect(m.lineRead("200 result=0", now: t0) == .succeedCommand(.success(result: "0", data: nil, endpos: nil, rest: "")))
    }

    @Test func oneCommandAtATime() {
        var m = running()
        _ = m.commandIssued("ANSWER", timeout: .seconds(30), now: t0)
        #expect(m.commandIssued("NOOP", timeout: .seconds(30), now: t0)
            == .failCommand(.protocolViolation("a command is already waiting for its reply")))
    }

    @Test func replyTimeoutFailsTheCommandWithItsVerbOnlyAndCloses() {
        var m = running()
        _ = m.timerFired(now: t0 + .seconds(5)) // the environment timer, re-armed for the session
        #expect(m.commandIssued("SET VARIABLE ACCTCODE 4821", timeout: .seconds(2), now: t0 + .seconds(6))
            == .write("SET VARIABLE ACCTCODE 4821", timerAt: t0 + .seconds(8)))
        #expect(m.timerFired(now: t0 + .seconds(8)) == .close(
            reason: .replyTimeout(command: "SET VARIABLE ACCTCODE", after: .seconds(2)),
            failCommand: .replyTimeout(command: "SET VARIABLE ACCTCODE")))
    }

    @Test func sessionTimeoutCutsAHandlerThatNeverEnds() {
        var m = running()
        _ = m.commandIssued("GET DATA beep 1000 4", timeout: .seconds(900), now: t0)
        _ = m.timerFired(now: t0 + .seconds(5))
        #expect(m.timerFired(now: t0 + .seconds(600)) == .close(reason: .sessionTimeout(.seconds(600)), failCommand: .connectionClosed))
    }

    /// The three hangup forms of the transcripts: `HANGUP` then 511; 511 alone; `HANGUP` then the close.
    @Test func hangupForms() {
        var sighup = running()
        _ = sighup.commandIssued("GET DATA beep 3000 4", timeout: .seconds(30), now: t0)
        #expect(sighup.lineRead("200 result=-1", now: t0) == .succeedCommand(.success(result: "-1", data: nil, endpos: nil, rest: "")))
        _ = sighup.commandIssued("GET DATA beep 3000 4", timeout: .seconds(30), now: t0)
        #expect(sighup.lineRead("HANGUP", now: t0) == .markHungUp)
        #expect(sighup.lineRead("511 Command Not Permitted on a dead channel or intercept routine", now: t0) == .succeedCommand(.deadChannel))
        #expect(sighup.isHungUp)

        var noSighup = running()
        #expect(noSighup.lineRead("511 Command Not Permitted on a dead channel or intercept routine", now: t0) == .markHungUp)

        var exitOnHangup = running()
        _ = exitOnHangup.commandIssued("GET DATA beep 3000 4", timeout: .seconds(30), now: t0)
        #expect(exitOnHangup.lineRead("HANGUP", now: t0) == .markHungUp)
        #expect(exitOnHangup.peerClosed() == .release(failCommand: .connectionClosed))
        #expect(exitOnHangup.commandIssued("NOOP", timeout: .seconds(1), now: t0) == .failCommand(.connectionClosed))
    }

    /// A reset or broken pipe is the peer gone: the call is hung up before its command fails.
    @Test func aSocketErrorIsALostConnectionNotAnOrdinaryClose() {
        var waiting = running()
        _ = waiting.commandIssued("GET DATA beep 3000 4", timeout: .seconds(30), now: t0)
        #expect(waiting.errorCaught() == .connectionLost(failCommand: .connectionClosed))
        #expect(waiting.isHungUp)
        #expect(waiting.errorCaught() == .none)
        #expect(waiting.commandIssued("NOOP", timeout: .seconds(1), now: t0) == .failCommand(.connectionClosed))
        #expect(waiting.peerClosed() == .release(failCommand: nil))

        var idle = running()
        #expect(idle.errorCaught() == .connectionLost(failCommand: nil))
        #expect(idle.isHungUp)
    }

    @Test func aReplyWithNoCommandIsIgnoredAndNamesOnlyItsStatus() {
        var m = running()
        #expect(m.lineRead("200 result=1234", now: t0) == .ignoreUnexpectedReply(status: "200"))
    }

    @Test func multiLineUsageIsOneReply() {
        var m = running()
        _ = m.commandIssued("GET DATA", timeout: .seconds(30), now: t0)
        #expect(m.lineRead("520-Invalid command syntax.  Proper usage follows:", now: t0) == .none)
        #expect(m.lineRead("Usage: GET DATA <file to be streamed> [timeout] [max digits]", now: t0) == .none)
        guard case .succeedCommand(.usage) = m.lineRead("520 End of proper usage.", now: t0) else { Issue.record("no usage"); return }
    }

    @Test func garbageReplyClosesAndFailsTheWaitingCommand() {
        var m = running()
        _ = m.commandIssued("ANSWER", timeout: .seconds(30), now: t0)
        guard case .close(.protocolError, .connectionClosed) = m.lineRead("\u{1b}[31mnot asterisk", now: t0) else {
            Issue.record("not closed"); return
        }
    }

    @Test func lineTooLongCloses() {
        var m = running()
        #expect(m.lineTooLong(limit: 8192) == .close(reason: .lineTooLong(8192), failCommand: nil))
        #expect(m.lineTooLong(limit: 8192) == .none)
    }

    @Test func routeFinishedClosesQuietlyAndThePeersCloseReleases() {
        var m = running()
        #expect(m.routeFinished() == .close(reason: nil, failCommand: nil))
        #expect(m.routeFinished() == .none)
        #expect(m.peerClosed() == .release(failCommand: nil))
    }

    @Test func redactionKeepsVerbsOnly() {
        #expect(Machine.redacted("SET VARIABLE ACCTCODE 4821") == "SET VARIABLE ACCTCODE")
        #expect(Machine.redacted("EXEC MSet \"ACCTCODE=4821\"") == "EXEC MSet")
        #expect(Machine.redacted("GET DATA acctcodes/enter-code 5000 4") == "GET DATA acctcodes/enter-code")
    }
}

@Suite struct LogSafeTests {
    @Test func controlCharactersAreEscapedAndLengthBounded() {
        #expect("\(LogSafe("1.2\r\nforged line \u{1b}[31mred\u{0}"))" == #"1.2\r\nforged line \u{1b}[31mred\u{0}"#)
        #expect("\(LogSafe(String(repeating: "x", count: 500)))".count == LogSafe.maxLength + 3)
        #expect("\(LogSafe("PJSIP/1001-00000001"))" == "PJSIP/1001-00000001")
    }
}
