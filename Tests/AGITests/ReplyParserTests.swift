import Testing
@testable import AGI

@Suite struct ReplyParserTests {
    func events(_ lines: [String]) throws -> [AGIInboundEvent] {
        var parser = ReplyParser()
        return try lines.compactMap { try parser.feed($0) }
    }

    @Test(arguments: [
        ("200 result=0", AGIReply.success(result: "0", data: nil, endpos: nil, rest: "")),
        ("200 result=1234", .success(result: "1234", data: nil, endpos: nil, rest: "")),
        ("200 result=0042", .success(result: "0042", data: nil, endpos: nil, rest: "")),
        ("200 result=", .success(result: "", data: nil, endpos: nil, rest: "")),
        ("200 result= (timeout)", .success(result: "", data: "timeout", endpos: nil, rest: "(timeout)")),
        ("200 result=12 (timeout)", .success(result: "12", data: "timeout", endpos: nil, rest: "(timeout)")),
        ("200 result=-1", .success(result: "-1", data: nil, endpos: nil, rest: "")),
        ("200 result=1 (a b \"c\" \\d)", .success(result: "1", data: "a b \"c\" \\d", endpos: nil, rest: "(a b \"c\" \\d)")),
        ("200 result=1 (f(x) (y))", .success(result: "1", data: "f(x) (y)", endpos: nil, rest: "(f(x) (y))")),
        ("200 result=0 endpos=3520", .success(result: "0", data: nil, endpos: 3520, rest: "endpos=3520")),
        ("200 result=-1 endpos=0", .success(result: "-1", data: nil, endpos: 0, rest: "endpos=0")),
        ("200 result=0 Gosub complete", .success(result: "0", data: nil, endpos: nil, rest: "Gosub complete")),
        ("510 Invalid or unknown command", .invalidCommand),
        ("511 Command Not Permitted on a dead channel or intercept routine", .deadChannel),
        ("520 Invalid command syntax.  Proper usage not available.", .usage(["Invalid command syntax.  Proper usage not available."])),
        ("503 result=-2 Memory allocation failure", .other(code: 503, line: "503 result=-2 Memory allocation failure")),
    ])
    func parsesEverySingleLineForm(line: String, reply: AGIReply) throws {
        #expect(try events([line]) == [.reply(reply)])
    }

    @Test func parsesMultiLineUsage() throws {
        let lines = [
            "520-Invalid command syntax.  Proper usage follows:",
            "Stream the given <replaceable>file</replaceable>, and receive DTMF data.",
            "Returns the digits received from the channel at the other end.",
            "520 End of proper usage.",
            "200 result=0",
        ]
        #expect(try events(lines) == [
            .reply(.usage([
                "Stream the given <replaceable>file</replaceable>, and receive DTMF data.",
                "Returns the digits received from the channel at the other end.",
            ])),
            .reply(.success(result: "0", data: nil, endpos: nil, rest: "")),
        ])
    }

    @Test func hangupLineAndProgressAreEventsNotReplies() throws {
        #expect(try events(["HANGUP", "511 x", "100 result=0 Trying...", "200 result=0 Gosub complete"]) == [
            .hangup, .reply(.deadChannel), .progress("100 result=0 Trying..."),
            .reply(.success(result: "0", data: nil, endpos: nil, rest: "Gosub complete")),
        ])
    }

    @Test(arguments: ["", "hello", "20", "200result=1", "abc def", "200 foo=1"])
    func rejectsGarbage(line: String) {
        #expect(throws: ReplyParser.ParseError.self) { try events([line]) }
    }

    @Test func boundsUsageText() {
        let lines = ["520-x"] + Array(repeating: "line", count: ReplyParser.maxUsageLines + 1)
        #expect(throws: ReplyParser.ParseError.usageTooLong(ReplyParser.maxUsageLines)) { try events(lines) }
    }

    @Test(arguments: [
        ("200 result=1234", GetDataResult.digits("1234")),
        ("200 result=", .digits("")),
        ("200 result= (timeout)", .timeout(partial: "")),
        ("200 result=12 (timeout)", .timeout(partial: "12")),
        ("200 result=-1", .hangup),
        ("511 Command Not Permitted on a dead channel or intercept routine", .hangup),
    ])
    func getDataResults(line: String, result: GetDataResult) throws {
        guard case .reply(let reply) = try #require(try events([line]).first) else { Issue.record("not a reply"); return }
        #expect(GetDataResult(reply: reply) == result)
    }

    @Test(arguments: [
        ("200 result=0 endpos=3520", StreamFileResult.played(digit: nil, endpos: 3520)),
        ("200 result=55 endpos=100", .played(digit: "7", endpos: 100)),
        ("200 result=-1 endpos=0", .failed),
        ("511 Command Not Permitted on a dead channel or intercept routine", .failed),
    ])
    func streamFileResults(line: String, result: StreamFileResult) throws {
        guard case .reply(let reply) = try #require(try events([line]).first) else { Issue.record("not a reply"); return }
        #expect(StreamFileResult(reply: reply) == result)
    }
}
