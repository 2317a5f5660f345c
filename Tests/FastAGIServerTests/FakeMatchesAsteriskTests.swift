import FakeAsterisk
import Testing

/// The fake Asterisk, told what the caller did, answers the recorded commands with the very lines
/// the real Asterisk 20 wrote: keys as one stream per call, `-1` then `HANGUP` then 511 after a
/// hangup, each hangup style, a missing prompt.
@Suite struct FakeMatchesAsteriskTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var transcript: String
        var script: CallScript
        /// The recording ends with the caller hanging up after the last reply (the call was over):
        /// a `HANGUP` the fake, answering one command at a time, has no reason to send.
        var endsWithHangup = false
        var testDescription: String { transcript }
    }

    static let cases: [Case] = {
        var forms = CallScript(keys: ",,#12,7")
        forms.soundLength = 3520
        return [
            // The caller keyed 1357#1234#: the # after 1357 answers the next GET DATA.
            Case(transcript: "getdata-pound-after-full-code", script: CallScript(keys: "1357#1234#"), endsWithHangup: true),
            // A prompt left to time out, # alone, 12 then silence, WAIT FOR DIGIT answered by 7.
            Case(transcript: "getdata-forms", script: forms),
            Case(transcript: "sip-outbound-code-accepted", script: CallScript(keys: "1234#")),
            Case(transcript: "hangup-during-getdata", script: CallScript(hangupAtCommand: 2)),
            Case(transcript: "hangup-agisighup-no", script: CallScript(hangupAtCommand: 2, hangupStyle: .noSighup)),
            Case(transcript: "hangup-agiexitonhangup-yes", script: CallScript(hangupAtCommand: 2, hangupStyle: .exitOnHangup)),
        ]
    }()

    @Test(arguments: cases)
    func fakeRepliesAsRecorded(_ c: Case) throws {
        let transcript = try Transcript.load(c.transcript)
        var fake = AsteriskResponder(script: c.script)
        var exchanges = transcript.asteriskSide
        if c.endsWithHangup, exchanges.last?.replies.last == "HANGUP" { exchanges[exchanges.count - 1].replies.removeLast() }
        for exchange in exchanges {
            let lines: [String]
            switch fake.respond(to: exchange.command) {
            case .send(let sent), .sendLater(let sent, _): lines = sent
            case .sendAndClose(let sent): lines = sent
                #expect(exchange.closes, "\(exchange.command): the fake closed where Asterisk did not")
            case .stall: lines = []
            }
            #expect(lines == exchange.replies, "\(c.transcript): \(exchange.command)")
        }
    }

    /// A missing prompt: `GET DATA` answers -1 at once, `STREAM FILE` -1 with endpos 0 (command-forms).
    @Test func missingPromptAnswersMinusOne() {
        var script = CallScript(keys: "1234#")
        script.missingFiles = ["acctcodes/nope"]
        var fake = AsteriskResponder(script: script)
        #expect(fake.respond(to: "GET DATA acctcodes/nope 5000 4") == .send(["200 result=-1"]))
        #expect(fake.respond(to: "STREAM FILE acctcodes/nope \"\"") == .send(["200 result=-1 endpos=0"]))
        #expect(fake.respond(to: "GET DATA beep 5000 4") == .send(["200 result=1234"]), "the keys were not used up")
    }

    @Test func keyStreamCarriesWhatIsLeftToTheNextCommand() {
        var keys = KeyStream("1357#1234#")
        #expect(keys.getData(maxDigits: 4).reply == "200 result=1357")
        #expect(keys.getData(maxDigits: 4).reply == "200 result=")
        #expect(keys.getData(maxDigits: 4).reply == "200 result=1234")
        #expect(keys.waitForDigit().key == "#")
        #expect(keys.getData(maxDigits: 4).reply == "200 result= (timeout)")

        var paused = KeyStream("1357,#")
        #expect(paused.getData(maxDigits: 4) == .init(digits: "1357", timedOut: false, paused: false))
        #expect(paused.getData(maxDigits: 4) == .init(digits: "", timedOut: false, paused: true), "the caller heard the prompt first")

        var escape = KeyStream("5#")
        #expect(escape.escape(from: "#") == nil, "5 does not stop playback")
        #expect(escape.getData(maxDigits: 4).reply == "200 result=5")
    }
}
