import AGI
import FakeAsterisk
import FastAGIServer
import Testing

/// Replays every recorded Asterisk 20 session over real TCP: the server's handler issues the
/// recorded commands through the typed API, the fake answers with the recorded replies, and
/// both the bytes the server wrote and what the handler understood are checked.
@Suite struct TranscriptReplayTests {
    enum Step: Sendable, Equatable {
        case reply(AGIReply)
        case getData(GetDataResult)
        case stream(StreamFileResult)
        case variable(String?)
        case failed(AGICallError)
    }

    struct Observed: Sendable {
        var steps: [Step]
        var hungUpAfter: [Bool]
    }

    /// Sends one recorded command line the way a route would: through the typed API when there is one.
    static func perform(_ line: String, on call: AGICall) async -> Step {
        let words = AsteriskArgumentSplitter.split(line)
        do throws(AGICallError) {
            let verb = words.first == "VERBOSE" ? "VERBOSE" : words.prefix(2).joined(separator: " ")
            switch verb {
            case "GET DATA" where words.count == 5:
                return .getData(await call.getData(file: words[2], timeout: .milliseconds(Int(words[3])!), maxDigits: Int(words[4])!))
            case "STREAM FILE":
                return .stream(try await call.streamFile(words[2], escapeDigits: words[3]))
            case "SET VARIABLE":
                try await call.setVariable(words[2], words[3])
                return .reply(.success(result: "1", data: nil, endpos: nil, rest: ""))
            case "GET VARIABLE":
                return .variable(try await call.getVariable(words[2]))
            case "GET FULL":
                return .variable(try await call.getFullVariable(words[3]))
            case "VERBOSE":
                try await call.verbose(words[1], level: Int(words[2])!)
                return .reply(.success(result: "1", data: nil, endpos: nil, rest: ""))
            case "WAIT FOR":
                return .reply(try await call.send(.waitForDigit(timeout: .milliseconds(Int(words[3])!))))
            default:
                // ANSWER, NOOP and the deliberately bad lines go out as they are.
                return .reply(try await call.send(AGICommand(line)))
            }
        } catch {
            return .failed(error)
        }
    }

    func replay(_ name: String) async throws -> (SessionRecord, Observed) {
        let transcript = try Transcript.load(name)
        let observations = Observations<Observed>()
        let commands = transcript.exchanges.map(\.command)
        return try await withServer(routes: { router in
            router.add("outbound") { call in
                var observed = Observed(steps: [], hungUpAfter: [])
                for command in commands {
                    observed.steps.append(await Self.perform(command, on: call))
                    observed.hungUpAfter.append(call.isHungUp)
                }
                await observations.append(observed)
            }
        }) { server, port in
            let side = TranscriptResponder(exchanges: transcript.asteriskSide.map {
                TranscriptResponder.Exchange(command: $0.command, replies: $0.replies, closes: $0.closes)
            })
            let record = try await FakeAsteriskClient(port: port).run(preamble: transcript.environmentText, side: side)
            try await settle(server)
            let observed = try #require(await observations.values.first)
            #expect(record.mismatches == [], "server bytes differ from \(name)")
            #expect(record.ending != .timedOut)
            return (record, observed)
        }
    }

    @Test func commandForms() async throws {
        let (_, observed) = try await replay("command-forms")
        let s = observed.steps
        #expect(s[0] == .reply(.success(result: "0", data: nil, endpos: nil, rest: "")))
        #expect(s[2] == .variable(#"a b "c" \d"#))
        #expect(s[3] == .variable(nil))
        #expect(s[4] == .variable("-agi"))
        #expect(s[6] == .reply(.invalidCommand))
        #expect(s[7] == .reply(.usage([
            "Stream the given <replaceable>file</replaceable>, and receive DTMF data.",
            "Returns the digits received from the channel at the other end.",
        ])))
        #expect(s[8] == .stream(.failed))
        #expect(s[11] == .variable("4321"))
        #expect(s[14] == .getData(.digits("1234")))
        #expect(!observed.hungUpAfter.contains(true))
    }

    @Test func getDataForms() async throws {
        let (_, observed) = try await replay("getdata-forms")
        #expect(Array(observed.steps[1...3]) == [.getData(.timeout(partial: "")), .getData(.digits("")), .getData(.timeout(partial: "12"))])
        #expect(observed.steps[4] == .reply(.success(result: "55", data: nil, endpos: nil, rest: "")))
        #expect(observed.steps[5] == .stream(.played(digit: nil, endpos: 3520)))
    }

    @Test func hangupDuringGetData() async throws {
        let (_, observed) = try await replay("hangup-during-getdata")
        #expect(observed.steps[1] == .getData(.hangup))
        #expect(observed.hungUpAfter[2], "HANGUP line seen")
        #expect(Array(observed.steps[3...5]) == Array(repeating: .getData(.hangup), count: 3), "511 reads as a hangup")
        #expect(observed.steps[6] == .reply(.success(result: "1", data: nil, endpos: nil, rest: "")), "SET VARIABLE works on a dead channel")
        #expect(observed.steps[7] == .variable("1"))
        #expect(observed.steps[8] == .stream(.failed))
    }

    @Test func hangupWithExitOnHangup() async throws {
        let (record, observed) = try await replay("hangup-agiexitonhangup-yes")
        #expect(observed.steps[1] == .getData(.hangup))
        #expect(observed.steps[2] == .getData(.hangup))
        #expect(observed.steps[3] == .getData(.hangup), "closed socket reads as a hangup")
        #expect(observed.hungUpAfter.last == true)
        #expect(record.ending == .clientClosed)
    }

    @Test func hangupWithoutSighup() async throws {
        let (_, observed) = try await replay("hangup-agisighup-no")
        #expect(observed.steps[2] == .getData(.hangup))
        #expect(observed.hungUpAfter[2], "511 marks the channel dead")
        #expect(observed.steps[7] == .variable("1"))
    }

    @Test func sipOutboundCodeAccepted() async throws {
        let (_, observed) = try await replay("sip-outbound-code-accepted")
        #expect(observed.steps[1] == .getData(.digits("1234")))
    }

    @Test func poundAfterFullCode() async throws {
        let (_, observed) = try await replay("getdata-pound-after-full-code")
        #expect(Array(observed.steps[1...2]) == [.getData(.digits("1357")), .getData(.digits(""))])
    }

    @Test func everyTranscriptIsCovered() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Transcript.directory)
            .filter { $0.hasSuffix(".txt") }.map { String($0.dropLast(4)) }.sorted()
        #expect(files == Transcript.names.sorted())
        for name in Transcript.names { #expect(try !Transcript.load(name).exchanges.isEmpty) }
    }
}

import Foundation

/// What the server sends in one `EXEC MSet` is what Asterisk's MSet parsing sets, pair for pair.
@Suite struct MSetRoundTripTests {
    @Test func theFakeAsterisksMSetParsingSetsEveryPairInOrder() throws {
        let pairs = [("ACCTCODE", "0042"), ("CHANNEL(accountcode)", "0042"), ("CDR(userfield)", "x-y"), ("ACCTCODE_REASON", ""),
                     ("ACCTCODE_ALLOW", "1")]
        let line = try #require(AGICommand.setVariables(pairs)).encodedLine()
        var responder = AsteriskResponder(script: CallScript())
        #expect(responder.respond(to: line) == .send(["200 result=0"]))
        #expect(responder.assignments.map { "\($0.name)=\($0.value)" } == pairs.map { "\($0.0)=\($0.1)" })
    }
}
