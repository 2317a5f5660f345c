/// A recorded session from `Tests/Fixtures/transcripts/` (copied from the spec).
struct Transcript {
    struct Exchange {
        var command: String
        var replies: [String]
        /// Asterisk closed the socket instead of (or after) replying.
        var closes: Bool
    }

    var name: String
    var environmentText: String
    var exchanges: [Exchange]

    static let directory: String = {
        let file = #filePath
        let tests = file[..<file.range(of: "/FastAGIServerTests/")!.lowerBound]
        return tests + "/Fixtures/transcripts"
    }()

    static let names = [
        "command-forms", "getdata-forms", "getdata-pound-after-full-code", "hangup-agiexitonhangup-yes", "hangup-agisighup-no",
        "hangup-during-getdata", "sip-outbound-code-accepted",
    ]

    /// What the fake replays. With `AGIEXITONHANGUP=yes` Asterisk closes right after its two
    /// `HANGUP` lines; the recording server wrote one more command before noticing, but a server
    /// that waits for its reply (as ours must) only sees the close. So the close moves up.
    var asteriskSide: [Exchange] {
        var result: [Exchange] = []
        for exchange in exchanges {
            if exchange.closes, exchange.replies.isEmpty, var last = result.last,
               !last.replies.isEmpty, last.replies.allSatisfy({ $0 == "HANGUP" }) {
                last.closes = true
                result[result.count - 1] = last
            } else {
                result.append(exchange)
            }
        }
        return result
    }

    static func load(_ name: String) throws -> Transcript {
        let text = try String(contentsOfFile: "\(directory)/\(name).txt", encoding: .utf8)
        var environment = ""
        var inEnvironment = true
        var exchanges: [Exchange] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("-- Asterisk closed") {
                exchanges[exchanges.count - 1].closes = true
            } else if line.hasPrefix("A> ") || line == "A>" {
                let content = String(line.dropFirst(3))
                if inEnvironment {
                    environment += content + "\n"
                    if content.isEmpty { inEnvironment = false }
                } else {
                    exchanges[exchanges.count - 1].replies.append(content)
                }
            } else if line.hasPrefix("S> ") {
                exchanges.append(Exchange(command: String(line.dropFirst(3)), replies: [], closes: false))
            }
        }
        return Transcript(name: name, environmentText: environment, exchanges: exchanges)
    }
}

import Foundation
