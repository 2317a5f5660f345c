/// Replays a recorded session: answers the n-th command with the n-th recorded reply,
/// and notes every command that differs from the recording.
public struct TranscriptResponder: AsteriskSide {
    public struct Exchange: Sendable {
        public var command: String
        public var replies: [String]
        public var closes: Bool
        public init(command: String, replies: [String], closes: Bool) {
            self.command = command
            self.replies = replies
            self.closes = closes
        }
    }

    private var exchanges: ArraySlice<Exchange>
    public private(set) var mismatches: [String] = []

    public init(exchanges: [Exchange]) { self.exchanges = exchanges[...] }

    public mutating func respond(to line: String) -> AsteriskAction {
        guard let exchange = exchanges.popFirst() else {
            mismatches.append("unexpected extra command \(line.debugDescription)")
            return .sendAndClose([])
        }
        if exchange.command != line {
            mismatches.append("expected \(exchange.command.debugDescription), got \(line.debugDescription)")
        }
        return exchange.closes ? .sendAndClose(exchange.replies) : .send(exchange.replies)
    }

    public func finish(into record: inout SessionRecord) {
        record.mismatches = mismatches + exchanges.map { "command never sent: \($0.command.debugDescription)" }
    }
}
