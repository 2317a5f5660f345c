/// What the simulated caller and channel do during one session.
public struct CallScript: Sendable {
    /// How Asterisk tells the server about a hangup (channel variables `AGISIGHUP`, `AGIEXITONHANGUP`).
    public enum HangupStyle: Sendable, Equatable {
        /// Default: a `HANGUP` line before the next reply, then 511 for live-channel commands.
        case sighup
        /// `AGISIGHUP=no`: no `HANGUP` line, only 511s.
        case noSighup
        /// `AGIEXITONHANGUP=yes`: `HANGUP` twice, then Asterisk closes the socket.
        case exitOnHangup
    }

    /// What the caller keys during the whole call, as one stream (see `KeyStream`): `1357#1234#`,
    /// `1357,#` (a pause to hear the next prompt), `12,` (then silence). When the keys run out,
    /// every prompt times out.
    public var keys: String
    /// How long a pause (`,`) lasts: the reply to the command that meets one waits this long, as a
    /// caller who listens to a prompt does. Longer than the server's trailing-`#` window.
    public var pause: Duration = .milliseconds(1500)
    /// `STREAM FILE`'s `endpos` when a file plays to its end (samples at 8 kHz).
    public var soundLength = 8000
    /// The caller hangs up during this command (1-based); that command answers `-1` if it needs a live channel.
    public var hangupAtCommand: Int?
    public var hangupStyle: HangupStyle
    /// Never answer this command (1-based): a stalled Asterisk.
    public var stallAtCommand: Int?
    /// Channel variables Asterisk already has (e.g. `CDR(billsec)` for a hangup handler).
    public var variables: [String: String]
    /// Sound files that do not exist: `GET DATA` and `STREAM FILE` on them answer `-1`.
    public var missingFiles: Set<String>
    /// The channel is already hung up when the session starts (a hangup handler runs in dead mode).
    public var startsDead: Bool
    /// Dialplan applications this Asterisk lacks: `EXEC` of one answers `200 result=-2`.
    public var missingApplications: Set<String> = []

    public init(
        keys: String = "",
        hangupAtCommand: Int? = nil,
        hangupStyle: HangupStyle = .sighup,
        stallAtCommand: Int? = nil,
        variables: [String: String] = [:],
        missingFiles: Set<String> = [],
        startsDead: Bool = false
    ) {
        self.keys = keys
        self.hangupAtCommand = hangupAtCommand
        self.hangupStyle = hangupStyle
        self.stallAtCommand = stallAtCommand
        self.variables = variables
        self.missingFiles = missingFiles
        self.startsDead = startsDead
    }
}
