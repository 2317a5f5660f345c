import NIOCore
import Testing
@testable import FastAGIServer

@Suite struct LineSplitterTests {
    /// Feeds the reads in order and returns every line, or the error that ended the stream.
    private func split(_ reads: [String], maxLength: Int = 64) -> (lines: [String], error: LineSplitter.LineTooLong?) {
        var splitter = LineSplitter(maxLength: maxLength)
        var lines: [String] = []
        for read in reads {
            var buffer = splitter.append(ByteBuffer(string: read))
            do {
                while let line = try splitter.next(&buffer) { lines.append(line) }
            } catch {
                return (lines, error)
            }
        }
        return (lines, nil)
    }

    @Test func manyLinesInOneReadAndCRLF() {
        #expect(split(["agi_network: yes\r\nagi_channel: PJSIP/1\n\n200 result=1\n"]).lines
                == ["agi_network: yes", "agi_channel: PJSIP/1", "", "200 result=1"])
    }

    @Test func aLineSplitAcrossReadsIsJoined() {
        #expect(split(["200 res", "ult=12", "34\r", "\nHANG", "UP\n"]).lines == ["200 result=1234", "HANGUP"])
    }

    @Test func byteByByteGivesTheSameLines() {
        let text = "agi_request: agi://h/outbound?number=%2B44\r\nagi_uniqueid: 1700000000.1\n\n"
        #expect(split(text.map { String($0) }).lines == split([text]).lines)
    }

    @Test func aPartialLineIsHeldNotYielded() {
        #expect(split(["200 result=1\n200 res"]).lines == ["200 result=1"])
    }

    @Test func tooLongLinesAreRefusedWhetherEndedOrNot() {
        let ended = split(["ok\n" + String(repeating: "x", count: 65) + "\n"])
        #expect(ended.lines == ["ok"] && ended.error?.limit == 64)
        let endless = split([String(repeating: "y", count: 40), String(repeating: "y", count: 40)])
        #expect(endless.lines.isEmpty && endless.error?.limit == 64)
        #expect(split([String(repeating: "z", count: 64) + "\n", String(repeating: "z", count: 63) + "\r\n"]).lines.count == 2,
                "a line of the limit, its CR included, passes")
    }
}
