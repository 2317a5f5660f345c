import AGI
import Admin
import Foundation
import Hummingbird
import Logging
import Metrics
import Synchronization

/// Why the API or the console refused a request: what an operator alerts on (someone guessing
/// tokens, probing other tenants, posting from another site).
public enum RefusalReason: String, Sendable, CaseIterable {
    /// A bearer token that is not valid (mistyped, revoked, guessed).
    case badToken = "bad-token"
    /// No token on a route that needs one.
    case noToken = "no-token"
    /// A console sign-in with a key that is not valid.
    case signInFailed = "sign-in-failed"
    /// A sign-in refused because its address failed too often.
    case signInLimited = "sign-in-limited"
    /// A change whose CSRF token or origin did not come from the console's own page.
    case crossSite = "cross-site"
    /// A valid token asking for what its role may not do.
    case forbidden
    /// A scoped token asking about another account (it is told "not found").
    case otherTenant = "other-tenant"
    /// A peer outside the HTTP allow-list.
    case sourceNotAllowed = "source-not-allowed"
}

/// Writes one warning line per refused request and counts it in
/// `acctcodes_http_refusals_total{reason}`. Who asked (a token's audit name, never the token),
/// from where, and what (the route's template, never the path: a path can hold a code) are
/// escaped. A flood from one address cannot fill the disk: after `burst` lines in a minute from
/// it, further refusals are only counted, and one line says how many were left out when its
/// minute is over. At most `maxAddresses` addresses are tracked; beyond that they share one.
public final class RefusalLog: Sendable {
    public static let burst = 5
    public static let window: TimeInterval = 60
    static let maxAddresses = 4096
    static let overflowAddress = "(other addresses)"

    struct Window {
        var started: Date
        var logged = 0
        var suppressed = 0
    }

    private let logger: Logger
    private let now: @Sendable () -> Date
    struct Windows {
        var byAddress: [String: Window] = [:]
        /// When the windows were last swept for ones that are over: at most once a second, so a
        /// flood of refusals does not scan thousands of addresses per request.
        var swept = Date.distantPast
    }

    private let windows = Mutex(Windows())

    public init(logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.logger = logger
        self.now = now
    }

    public func refused(_ reason: RefusalReason, from address: String?, who: String?, what: String) {
        Counter(label: "acctcodes_http_refusals_total", dimensions: [("reason", reason.rawValue)]).increment()
        let time = now()
        let address = address ?? "?"
        let (log, summaries) = windows.withLock { windows -> (Bool, [(String, Int)]) in
            var summaries: [(String, Int)] = []
            // Close the windows that are over, saying what each left out.
            if time.timeIntervalSince(windows.swept) >= 1 {
                windows.swept = time
                for (key, window) in windows.byAddress where time.timeIntervalSince(window.started) >= Self.window {
                    if window.suppressed > 0 { summaries.append((key, window.suppressed)) }
                    windows.byAddress.removeValue(forKey: key)
                }
            }
            let all = windows.byAddress
            let key = all[address] == nil && all.count >= Self.maxAddresses ? Self.overflowAddress : address
            var window = all[key] ?? Window(started: time)
            if time.timeIntervalSince(window.started) >= Self.window {
                // Over, but not swept yet: say what it left out, and start a new one.
                if window.suppressed > 0 { summaries.append((key, window.suppressed)) }
                window = Window(started: time)
            }
            let log = window.logged < Self.burst
            if log { window.logged += 1 } else { window.suppressed += 1 }
            windows.byAddress[key] = window
            return (log, summaries)
        }
        for (key, count) in summaries {
            logger.warning("refused requests not logged", metadata: [
                "from": "\(LogSafe(key))", "count": "\(count)", "seconds": "\(Int(Self.window))",
            ])
        }
        guard log else { return }
        logger.warning("refused request", metadata: [
            "reason": "\(reason.rawValue)", "from": "\(LogSafe(address))", "who": "\(LogSafe(who ?? "-"))", "what": "\(LogSafe(what))",
        ])
    }
}

/// An error that is a refusal worth logging as such; `ErrorMiddleware` logs it and answers with
/// the error inside.
struct Refused: Error {
    var reason: RefusalReason
    var error: AdminError
}

extension RefusalReason {
    /// The refusal an admin-layer error stands for, if it is one.
    public init?(_ error: AdminError) {
        switch error.kind {
        case .forbidden: self = .forbidden
        case .notFound where error.otherTenant: self = .otherTenant
        default: return nil
        }
    }
}

extension RefusalLog {
    /// A refused request of the API or the console: the route's template and the path's account,
    /// never the path itself (a path can hold a code) nor its query.
    public func refused(_ reason: RefusalReason, _ request: Request, _ context: APIContext, who: String? = nil) {
        var what = "\(request.method.rawValue) \(context.endpointPath ?? "unmatched")"
        if let account = context.parameters.get("account") { what += " account=\(account)" }
        refused(reason, from: context.remoteAddress?.ipAddress, who: who ?? context.principal?.name, what: what)
    }
}
