import AccountCodes
import Admin
import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import NIOCore
import Store

/// Refuses peers outside the allow-list before anything else is read: the API listens on
/// loopback by default, and an operator who opens it names the networks that may reach it.
struct AllowListMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let allowList: [NetworkBlock]?

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        if let allowList {
            let address = context.remoteAddress?.ipAddress.flatMap(NetworkBlock.addressBytes)
            guard let address, allowList.contains(where: { $0.contains(address) }) else {
                throw AdminError(.forbidden, "this address may not use the API")
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
    let store: AcctcodesStore

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer",
                  let principal = try await Admin.principal(forToken: String(parts[1]).trimmingCharacters(in: .whitespaces), in: store)
            else { throw AdminError(.unauthenticated, "the token is not valid (revoked, mistyped, or not a bearer token)") }
            context.principal = principal
        }
        return try await next(request, context)
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
