import CallFlows
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
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
        for route in ["/outbound?", "/hangup?", "/ping)"] { #expect(dialplan.contains(route), "route \(route)") }
        #expect(dialplan.contains(#"GotoIf($["${ACCTCODE_ALLOW}" = "1"]?dial)"#))
        #expect(dialplan.contains("CHANNEL(hangup_handler_push)=acctcodes-hangup,s,1"))
        #expect(dialplan.contains("DYNAMIC_FEATURES"))
        #expect(!dialplan.contains("AGISTATUS\" ="), "decisions never rest on AGISTATUS")
        let played = dialplan.matches(of: /Playback\((acctcodes\/[a-z-]+)\)/).map { String($0.1) }
        #expect(!played.isEmpty)
        for file in played { #expect(PromptFiles().files.values.contains(file), "\(file) is a shipped prompt") }
        let features = try Self.read("dialplan/features-acctcodes.conf")
        #expect(features.contains("acctcode => *8,self,AGI(agi://127.0.0.1:4573/tag)"))
    }

    @Test func labScenariosAreWellFormedAndPlayShippedDTMF() throws {
        let lab = "\(Self.root)/dialplan/lab"
        let scenarios = try FileManager.default.contentsOfDirectory(atPath: lab).filter { $0.hasSuffix(".xml") }.sorted()
        #expect(scenarios == ["code-accepted.xml", "emergency.xml", "max-retries-denied.xml", "optional-skip.xml"])
        for name in scenarios {
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(lab)/\(name)"))
            let parser = XMLParser(data: data)
            #expect(parser.parse(), "\(name): \(String(describing: parser.parserError))")
            let text = String(decoding: data, as: UTF8.self)
            for match in text.matches(of: /dtmf_2833_([a-z0-9]+)\.pcap/) {
                #expect(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "pound", "star"].contains(String(match.1)))
            }
        }
    }
}
