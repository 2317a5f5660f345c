import CallFlows
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import TestSupport
import Testing

/// The dialplan, the features lines and the prompts must match what the server does.
@Suite struct ShippedFilesTests {
    static let root: String = {
        let file = #filePath
        return String(file[..<file.range(of: "/Tests/")!.lowerBound])
    }()

    static func read(_ path: String) throws -> String { try String(contentsOfFile: "\(root)/\(path)", encoding: .utf8) }

    @Test func everyPromptShipsInEveryFormatAt8kHzMono() throws {
        for name in PromptFiles.names {
            for format in ["ulaw", "sln", "gsm", "wav"] {
                let path = "\(Self.root)/sounds/en/acctcodes/\(name).\(format)"
                let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int, "\(path)")
                // Half a second: 8,000 bytes/s of 16-bit PCM, 8,000 of u-law, 1,650 of GSM.
                #expect(size > (format == "gsm" ? 825 : 4000), "\(path) holds at least half a second")
            }
            let wav = try Data(contentsOf: URL(fileURLWithPath: "\(Self.root)/sounds/en/acctcodes/\(name).wav"))
            #expect(wav.prefix(4) == Data("RIFF".utf8))
            let channels = UInt16(wav[22]) | UInt16(wav[23]) << 8
            let rate = UInt32(wav[24]) | UInt32(wav[25]) << 8 | UInt32(wav[26]) << 16 | UInt32(wav[27]) << 24
            #expect(channels == 1 && rate == 8000, "\(name)")
        }
    }

    @Test func dialplanUsesTheServersRoutesVariablesAndPrompts() throws {
        let dialplan = try Self.read("dialplan/acctcodes.conf")
        for route in ["/outbound?", "/hangup?", "/tag?", "/ping)"] { #expect(dialplan.contains(route), "route \(route)") }
        #expect(dialplan.contains(#"GotoIf($["${ACCTCODE_ALLOW}" = "1"]?dial)"#))
        #expect(dialplan.contains("CHANNEL(hangup_handler_push)=acctcodes-hangup,s,1"))
        #expect(dialplan.contains("DYNAMIC_FEATURES"))
        #expect(!dialplan.contains("AGISTATUS\" ="), "decisions never rest on AGISTATUS")
        let played = dialplan.matches(of: /Playback\((acctcodes\/[a-z-]+)\)/).map { String($0.1) }
        #expect(!played.isEmpty)
        for file in played { #expect(PromptFiles().files.values.contains(file), "\(file) is a shipped prompt") }
        // The outside leg is followed from its answer: it gets a hangup handler of its own.
        #expect(dialplan.contains("Set(CHANNEL(hangup_handler_push)=acctcodes-far-end,s,1)"))
        #expect(dialplan.contains("/hangup?leg=far&call="))
        let features = try Self.read("dialplan/features-acctcodes.conf")
        #expect(features.contains("acctcode => *8,self,Gosub(acctcodes-tag,s,1)"))
    }

    @Test func labScenariosAreWellFormedAndPlayTheGeneratorsPcaps() throws {
        let lab = "\(Self.root)/dialplan/lab"
        let scenarios = try FileManager.default.contentsOfDirectory(atPath: lab).filter { $0.hasSuffix(".xml") }.sorted()
        #expect(scenarios == ["code-accepted.xml", "colleague-answers.xml", "emergency.xml", "failover-at-prompt.xml", "forward-302.xml",
                              "hangup-at-prompt.xml",
                              "max-retries-denied.xml", "optional-skip.xml", "tag.xml", "transfer-attended.xml", "transfer-blind.xml",
                              "wrong-then-right.xml"])
        let generator = try Self.read("dialplan/lab/dtmf-pcap.py")
        let readme = try Self.read("dialplan/lab/README.md")
        for name in scenarios {
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(lab)/\(name)"))
            let parser = XMLParser(data: data)
            #expect(parser.parse(), "\(name): \(String(describing: parser.parserError))")
            let text = String(decoding: data, as: UTF8.self)
            #expect(!text.contains("/usr/share/sip-tester/"), "\(name) plays no bundled pcap")
            for match in text.matches(of: /play_pcap_audio="pcap\/([a-z-]+)\.pcap"/) {
                #expect(generator.contains("\"\(match.1)\": \""), "\(name): dtmf-pcap.py makes pcap/\(match.1).pcap")
            }
            #expect(readme.contains("sipp -sf \(name)"), "the lab README runs \(name)")
        }
    }

    /// The generator's pcap is one RTP stream whose events Asterisk keeps: sequence numbers rise by
    /// one, each event's timestamp is above the one before, and the events are the keys in order.
    @Test func dtmfPcapGeneratorWritesRisingTimestamps() async throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("dtmf-\(UUID().uuidString).pcap").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let status = try await ChildProcess.run("/usr/bin/env", ["python3", "\(Self.root)/dialplan/lab/dtmf-pcap.py", "*8,55#", out])
        #expect(status == 0)
        let pcap = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))
        func u16(_ i: Int) -> Int { Int(pcap[i]) << 8 | Int(pcap[i + 1]) }
        func u32(_ i: Int) -> Int { u16(i) << 16 | u16(i + 2) }
        var offset = 24
        var sequence: [Int] = []
        var events: [(event: Int, timestamp: Int, end: Bool)] = []
        while offset + 16 <= pcap.count {
            let length = Int(pcap[offset + 8]) | Int(pcap[offset + 9]) << 8
            let rtp = offset + 16 + 14 + 20 + 8
            sequence.append(u16(rtp + 2))
            if pcap[rtp + 1] & 0x7F == 101 { events.append((Int(pcap[rtp + 12]), u32(rtp + 4), pcap[rtp + 13] & 0x80 != 0)) }
            offset += 16 + length
        }
        #expect(offset == pcap.count)
        #expect(zip(sequence, sequence.dropFirst()).allSatisfy { $1 == $0 + 1 })
        var keyed: [Int] = []
        var last = -1
        for e in events where e.end && (keyed.isEmpty || e.timestamp != last) {
            #expect(e.timestamp > last)
            keyed.append(e.event)
            last = e.timestamp
        }
        #expect(keyed == [10, 8, 5, 5, 11], "* 8 5 5 #, the repeated 5 kept")
    }
}
