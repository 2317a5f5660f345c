import AccountCodes
import Foundation

/// The sound files the flows play, as Asterisk names them (no extension), by prompt name.
public struct PromptFiles: Sendable, Equatable {
    public static let names = ["enter-code", "enter-code-or-pound", "invalid-try-again", "code-accepted", "denied", "enter-tag-code"]

    /// Prompt name to file; defaults are the shipped `sounds/` installed as `acctcodes/<name>`.
    public private(set) var files: [String: String] = Dictionary(uniqueKeysWithValues: names.map { ($0, "acctcodes/\($0)") })

    public init() {}

    /// Replaces one prompt's file; false for an unknown prompt name.
    public mutating func set(_ name: String, file: String) -> Bool {
        guard files[name] != nil else { return false }
        files[name] = file
        return true
    }

    public var codeAccepted: String { files["code-accepted"]! }

    func file(for prompt: Prompt) -> String {
        switch prompt {
        case .enterCode: files["enter-code"]!
        case .enterCodeOrPound: files["enter-code-or-pound"]!
        case .invalidTryAgain: files["invalid-try-again"]!
        case .enterTagCode: files["enter-tag-code"]!
        }
    }
}

public struct CallFlowConfiguration: Sendable {
    public var prompts = PromptFiles()
    public var failMode: FailMode = .closed
    /// Send `ANSWER` before the first prompt, as most account-code dialplans expect. Off when the
    /// dialplan plays prompts as early media (`Progress()`) instead.
    public var answerBeforePrompt = true
    /// Play "code accepted" after a good code (one more round trip and a second of audio).
    public var playAccepted = false
    /// Set the result variables with one `EXEC MSet` instead of one `SET VARIABLE` each: a call
    /// takes 3 round trips instead of 8. Off for an Asterisk whose `asterisk.conf` has
    /// `[compat] res_agi = 1.4`, which rewrites the commas MSet splits on.
    public var setVariablesTogether = true
    /// A `#` alone that ends a prompt this soon after a full-length code is that code's own `#`
    /// (see `EntryFlow.received`): the prompt is played again instead of counting a skip or a miss.
    public var trailingPoundWindow = EntryFlow.defaultTrailingPoundWindow
    /// The time the usage log records for a request (its start, a hangup's end). Tests move it
    /// on, so that a simulated call that reports a minute of talk is a minute old at its hangup.
    public var clock: @Sendable () -> Date = { Date() }
    /// Run on every lockout with the event as JSON on its standard input (`serve --alert-command`).
    public var alertCommand: String?

    public init() {}
}
