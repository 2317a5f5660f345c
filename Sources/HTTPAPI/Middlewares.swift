import AccountCodes
import Admin
import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import NIOCore
import Store
import StoreCore
import Synchronization

/// Refuses peers outside the allow-list before anything else is read: the API listens on
/// loopback by default, and an operator who opens it names the networks that may reach it.
struct AllowListMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let allowList: [NetworkBlock]?

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        if let allowList {
            let address = context.remoteAddress?.ipAddress.flatMap(NetworkBlock.addressBytes)
            guard let address, allowList.contains(where: { $0.contains(address) }) else {
                throw Refused(reason: .sourceNotAllowed, error: AdminError(.forbidden, "this address may not use the API"))
            }
        }
        return try await next(request, context)
    }
}

/// Resolves `Authorization: Bearer` to a principal (looked up per request, so a revoked token
/// stops at once). A request with a bad token is refused even on public routes: it is a mistake
/// the client should hear about.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let store: any AdminStore

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer",
                  let principal = try await Admin.principal(forToken: String(parts[1]).trimmingCharacters(in: .whitespaces), in: store)
            else {
                throw Refused(reason: .badToken, error: AdminError(.unauthenticated, "the token is not valid (revoked, mistyped, or not a bearer token)"))
            }
            context.principal = principal
        }
        return try await next(request, context)
    }
}

/// Logs a valid token's refusals (403, and the 404 a scoped token gets for another tenant's
/// account) with the token's name: it runs inside `AuthMiddleware`, where the principal is known.
struct RefusalMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let refusals: RefusalLog

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as AdminError {
            if let reason = RefusalReason(error) { refusals.refused(reason, request, context) }
            throw error
        }
    }
}

/// `acctcodes_http_requests_total{route,method,status}` and
/// `acctcodes_http_request_duration_seconds{route,method}`; the route is the template
/// (`/api/v1/accounts/{account}`), never the path, so labels stay few.
struct HTTPMetrics: RouterMiddleware {
    typealias Context = APIContext
    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        // Time to the response's head: a streamed export's body is the client's pace, not ours.
        let route = context.endpointPath ?? "unmatched"
        let method = request.method.rawValue
        Counter(label: "acctcodes_http_requests_total", dimensions: [("route", route), ("method", method), ("status", String(response.status.code))])
            .increment()
        Metrics.Timer(label: "acctcodes_http_request_duration_seconds", dimensions: [("route", route), ("method", method)])
            .record(duration: ContinuousClock.now - start)
        return response
    }
}

/// A method a known API path does not take answers 405 with `Allow` (whatever the method, QUERY
/// and TRACE included), not the router's 404: the path exists. (HEAD has a route wherever GET does.)
final class MethodNotAllowedMiddleware: RouterMiddleware, Sendable {
    typealias Context = APIContext
    /// Filled once the routes are known, before the server starts.
    let paths = PathMethods()

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        let method = request.method.rawValue
        guard let allowed = paths.methods(for: request.uri.path), !allowed.contains(method) else {
            return try await next(request, context)
        }
        let allow = allowed.sorted().joined(separator: ", ")
        var response = ErrorMiddleware.response(AdminError(.invalid, "this path takes \(allow)"))
        response.status = .methodNotAllowed
        response.headers[.allow] = allow
        return response
    }
}

/// Path templates (`/api/v1/accounts/{account}`) and their methods; `{x}` matches one segment.
final class PathMethods: Sendable {
    private let templates = Mutex<[(segments: [Substring], methods: Set<String>)]>([])

    func set(_ byPath: [String: Set<String>]) {
        templates.withLock { $0 = byPath.map { (segments: $0.key.split(separator: "/"), methods: $0.value) } }
    }

    /// The methods of every template the path matches; nil when it matches none.
    func methods(for path: String) -> Set<String>? {
        let segments = path.split(separator: "/")
        return templates.withLock { all in
            var found: Set<String>?
            for template in all where template.segments.count == segments.count {
                let matches = zip(template.segments, segments).allSatisfy { t, s in t.first == "{" && t.last == "}" || t == s }
                if matches { found = (found ?? []).union(template.methods) }
            }
            return found
        }
    }
}
