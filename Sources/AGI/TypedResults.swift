/// What `GET DATA` reported, read from its reply.
public enum GetDataResult: Sendable, Equatable {
    /// Digits ended by `#` or by reaching max digits. Empty when `#` alone was pressed.
    case digits(String)
    /// The timeout ran out; `partial` holds what was keyed before it (often empty).
    case timeout(partial: String)
    /// `-1`, a 511, or the connection closed: the caller hung up (or the prompt file is missing).
    case hangup

    public init(reply: AGIReply) {
        switch reply {
        case .success(let result, let data, _, _):
            if result == "-1" {
                self = .hangup
            } else if data == "timeout" {
                self = .timeout(partial: result)
            } else {
                self = .digits(result)
            }
        case .deadChannel:
            self = .hangup
        case .invalidCommand, .usage, .other:
            // Not a caller action; treated like a failed prompt so flows end rather than loop.
            self = .hangup
        }
    }
}

/// What `STREAM FILE` reported.
public enum StreamFileResult: Sendable, Equatable {
    /// Played; `digit` is the escape digit pressed, if any.
    case played(digit: Character?, endpos: Int)
    /// `-1`: hangup, or a missing file (a warning in Asterisk's log, not an AGI error).
    case failed

    public init(reply: AGIReply) {
        guard case .success(let result, _, let endpos, _) = reply, let code = Int(result), code >= 0 else {
            self = .failed
            return
        }
        let digit = code > 0 ? Unicode.Scalar(UInt32(code)).map(Character.init) : nil
        self = .played(digit: digit, endpos: endpos ?? 0)
    }
}
