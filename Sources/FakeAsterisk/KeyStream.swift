/// What the caller keys during one call, as one stream: a real channel has no notion of "the keys
/// for this prompt". `GET DATA` takes keys up to its max digits or through `#`, and whatever is
/// left (a `#` after a full-length code, the next code typed ahead) answers the next command, as
/// on Asterisk 20 (`ast_readstring_full` stops at max digits without reading the `#`).
///
/// `,` is the caller pausing: keys after it come only once a new prompt has started. A `,` met
/// while a `GET DATA` is collecting ends it with a timeout (the caller stopped keying); a `,` at
/// the very start of a prompt is the caller listening to that prompt before keying on. So
/// `1357#1234#` is a quick caller, `1357,#` a caller who hears the re-prompt and then presses
/// `#`, `12,` two digits then silence, and `,,` a prompt left to time out with nothing keyed.
///
/// Not modelled: Asterisk discards DTMF that arrives while no command is running (`run_agi`'s idle
/// loop reads and frees every frame); a server that answers in milliseconds almost never loses a key
/// that way.
public struct KeyStream: Sendable, Equatable {
    public static let pause: Character = ","

    private var keys: Substring

    public init(_ keys: String) {
        self.keys = Substring(keys)
    }

    /// Keys not taken yet.
    public var remaining: String { String(keys) }

    /// `GET DATA`'s answer: the digits, whether it ended by a timeout, and whether the caller
    /// listened to (or sat through) part of the prompt first.
    public struct Collected: Sendable, Equatable {
        public var digits: String
        public var timedOut: Bool
        public var paused: Bool

        public init(digits: String, timedOut: Bool, paused: Bool) {
            self.digits = digits
            self.timedOut = timedOut
            self.paused = paused
        }

        /// The reply line, as `res_agi.c`'s `handle_getdata` writes it.
        public var reply: String { timedOut ? "200 result=\(digits) (timeout)" : "200 result=\(digits)" }
    }

    public mutating func getData(maxDigits: Int) -> Collected {
        var digits = ""
        var paused = false
        if keys.first == Self.pause {
            keys.removeFirst()
            paused = true
        }
        while let key = keys.first {
            keys.removeFirst()
            switch key {
            case Self.pause:
                return Collected(digits: digits, timedOut: true, paused: true)
            case "#":
                return Collected(digits: digits, timedOut: false, paused: paused)
            default:
                digits.append(key)
                if digits.count >= max(1, maxDigits) { return Collected(digits: digits, timedOut: false, paused: paused) }
            }
        }
        return Collected(digits: digits, timedOut: true, paused: paused)
    }

    /// `WAIT FOR DIGIT`: the next key, or nil for a timeout; and whether the caller paused first.
    public mutating func waitForDigit() -> (key: Character?, paused: Bool) {
        var paused = false
        if keys.first == Self.pause {
            keys.removeFirst()
            paused = true
        }
        guard let key = keys.popFirst() else { return (nil, paused) }
        // A second pause: the caller keys nothing before the timeout.
        return key == Self.pause ? (nil, true) : (key, paused)
    }

    /// `STREAM FILE` with escape digits: the key that interrupts playback, if the next one is one.
    public mutating func escape(from digits: String) -> Character? {
        guard let key = keys.first, key != Self.pause, digits.contains(key) else { return nil }
        keys.removeFirst()
        return key
    }
}
