import Testing
@testable import AGI

@Suite struct CommandEncodingTests {
    /// Lines as the recorded transcripts show Asterisk accepting them.
    @Test(arguments: [
        (AGICommand.answer, "ANSWER"),
        (.getData(file: "beep", timeout: .seconds(3), maxDigits: 4), "GET DATA beep 3000 4"),
        (.setVariable("TESTQ", #"a b "c" \d"#), #"SET VARIABLE TESTQ "a b \"c\" \\d""#),
        (.setVariable("CHANNEL(accountcode)", "1234"), "SET VARIABLE CHANNEL(accountcode) 1234"),
        (.setVariable("X", ""), #"SET VARIABLE X """#),
        (.setVariable("X", "tab\there"), "SET VARIABLE X \"tab\there\""),
        (.getVariable("NOPE"), "GET VARIABLE NOPE"),
        (.getFullVariable("${CALLERID(num)}-${EXTEN}"), "GET FULL VARIABLE ${CALLERID(num)}-${EXTEN}"),
        (.verbose("hello world"), #"VERBOSE "hello world" 1"#),
        (.streamFile("nosuchfile"), #"STREAM FILE nosuchfile """#),
        (.streamFile("beep", escapeDigits: "0123456789#*"), #"STREAM FILE beep "0123456789#*""#),
        (.exec("Playback", "a,b,c"), #"EXEC Playback "a,b,c""#),
        (.exec("Answer"), "EXEC Answer"),
        (.waitForDigit(timeout: .milliseconds(3000)), "WAIT FOR DIGIT 3000"),
    ])
    func encodesLikeTheTranscripts(command: AGICommand, line: String) throws {
        #expect(try command.encodedLine() == line)
    }

    @Test(arguments: ["a\nHANGUP", "x\r", "nul\0byte", "\n"])
    func refusesLineBreaksThatWouldInjectACommand(value: String) {
        #expect(throws: AGICommand.EncodingError.lineBreakInArgument(value)) {
            try AGICommand.setVariable("X", value).encodedLine()
        }
        #expect(throws: AGICommand.EncodingError.self) { try AGICommand.verbose(value).encodedLine() }
    }

    @Test func refusesLinesAsteriskWouldSplit() {
        let long = String(repeating: "x", count: 3000)
        #expect(throws: AGICommand.EncodingError.lineTooLong(3000 + "SET VARIABLE X ".utf8.count)) {
            try AGICommand.setVariable("X", long).encodedLine()
        }
    }

    /// Whatever the value, Asterisk's splitter must read back exactly one argument equal to it.
    @Test func everyValueRoundTripsThroughAsterisksSplitter() throws {
        var generator = SplitMix64(seed: 2069)
        let alphabet = Array(#"ab1 "\'\#t$(){}#*,;é😀"#)
        for _ in 0..<2000 {
            let length = Int(generator.next() % 12)
            let value = String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
            let line = try AGICommand.setVariable("V", value).encodedLine()
            #expect(AsteriskArgumentSplitter.split(line) == ["SET", "VARIABLE", "V", value], "value \(value.debugDescription)")
        }
    }

    @Test func splitterFollowsAsteriskRules() {
        #expect(AsteriskArgumentSplitter.split(#"SET VARIABLE TESTQ "a b \"c\" \\d""#) == ["SET", "VARIABLE", "TESTQ", #"a b "c" \d"#])
        #expect(AsteriskArgumentSplitter.split("A  \t B") == ["A", "B"])
        #expect(AsteriskArgumentSplitter.split(#"X "" \n"#) == ["X", "", "n"])
    }
}

/// A small deterministic generator, so a failure reproduces.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
