import AGI

/// What a route runs for one session. Throwing ends that session only.
public typealias AGIRouteHandler = @Sendable (AGICall) async throws -> Void

/// Maps the script name of `agi://host/SCRIPT` to its handler.
public struct AGIRouter: Sendable {
    private var routes: [String: AGIRouteHandler] = [:]

    public init() {}

    public mutating func add(_ route: String, _ handler: @escaping AGIRouteHandler) {
        routes[route] = handler
    }

    public func handler(for route: String) -> AGIRouteHandler? { routes[route] }

    public var routeNames: [String] { routes.keys.sorted() }

    /// A router with the built-in routes (`ping`).
    public static var builtIn: AGIRouter { builtIn(readiness: Readiness()) }

    /// A router with the built-in routes, `ping` answering with the server's readiness.
    public static func builtIn(readiness: Readiness) -> AGIRouter {
        var router = AGIRouter()
        router.add("ping", BuiltInRoutes.ping(readiness))
        return router
    }
}

public enum BuiltInRoutes {
    /// Lets an admin check the wiring from the dialplan: logs to the console and sets
    /// `ACCTCODES_PING` to `pong` when the server is ready for calls, else to why not (`draining`,
    /// `store-unavailable`).
    public static func ping(_ readiness: Readiness) -> AGIRouteHandler {
        { call in
            let state = readiness.state
            let answer = state == .ready ? "pong" : state.rawValue
            try await call.verbose("acctcodes: \(answer)", level: 1)
            try await call.setVariable("ACCTCODES_PING", answer)
            call.outcome = answer.uppercased()
        }
    }
}
