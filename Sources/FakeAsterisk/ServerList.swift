/// Asks servers in order for one request, as the shipped dialplan's routines do with
/// `ACCTCODES_SERVER`: the next server when one cannot be reached, or when its session ends
/// without the route's answer (a server that dies mid-session leaves Asterisk's `AGISTATUS` at
/// `SUCCESS` with no variable set). Each attempt is the same request: the same environment (PBX,
/// uniqueid, request id), and the caller keys again from the start of the script, as a caller
/// prompted again does.
public struct ServerList: Sendable {
    public var clients: [FakeAsteriskClient]

    public init(_ clients: [FakeAsteriskClient]) {
        self.clients = clients
    }

    /// The request's answer, or why there was none.
    public struct Outcome: Sendable {
        /// The session that answered; nil when none did.
        public var answer: SessionRecord?
        /// Which server answered (an index into `clients`).
        public var server: Int?
        /// Servers asked: 1 when the first answered.
        public var attempts = 0
        /// Sessions that ended without an answer (the server died or closed mid-session).
        public var cutShort = 0
        /// Servers that could not be reached.
        public var unreachable = 0
        /// The session outlived the fake's bound: Asterisk has no read timeout and would still be
        /// waiting, so no other server is asked.
        public var timedOut = false
    }

    /// The variable a route's answer always sets, as the dialplan checks it.
    public static func answerVariable(route: String) -> String {
        switch route.split(separator: "?").first.map(String.init) ?? route {
        case "tag": "ACCTCODE_TAG_RESULT"
        case "hangup": "ACCTCODES_LOGGED"
        case "ping": "ACCTCODES_PING"
        default: "ACCTCODE_ALLOW"
        }
    }

    public func run(_ environment: SessionEnvironment, script: CallScript) async -> Outcome {
        let variable = Self.answerVariable(route: environment.script)
        var outcome = Outcome()
        for (index, client) in clients.enumerated() {
            outcome.attempts += 1
            var attempt = environment
            attempt.host = client.address
            // As the shipped routines say which server of the list they are asking.
            attempt.script += (attempt.script.contains("?") ? "&" : "?") + "attempt=\(index + 1)"
            do {
                let record = try await client.run(attempt, script: script)
                if record[variable: variable] != nil {
                    outcome.answer = record
                    outcome.server = index
                    return outcome
                }
                if record.ending == .timedOut {
                    outcome.timedOut = true
                    return outcome
                }
                outcome.cutShort += 1
            } catch {
                outcome.unreachable += 1
            }
        }
        return outcome
    }
}

extension FakeAsteriskClient {
    /// `host:port`, as an AGI URL names it.
    public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
