import AccountCodes
import Admin
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import NIOCore
import NIOPosix
import Store
import StoreCore

/// The operator's HTTP API: `/api/v1/...` (bearer tokens, checked per request against the
/// token's role and account), `/api/v1/openapi.json`, `/metrics` and `/healthz`.
public struct OperatorAPI: Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var port = 8080
        /// Peers allowed to connect; nil allows any (tests). Default: loopback only.
        public var allowList: [NetworkBlock]? = [NetworkBlock("127.0.0.0/8")!, NetworkBlock("::1/128")!]
        public init() {}
    }

    /// One method and path of the API, as the OpenAPI document names it.
    public struct Route: Sendable, Hashable, CustomStringConvertible {
        public var method: String
        public var path: String
        public var description: String { "\(method) \(path)" }
    }

    public let store: any AdminStore
    public let configuration: Configuration
    public let logger: Logger
    /// The text `/metrics` serves, from the server's metrics registry.
    public let metricsText: @Sendable () -> [UInt8]
    /// Where the API runs and reads its exports; nil: NIO's shared loops and GRDB's reader queue.
    public let threads: LowPriorityThreads?
    /// Refused requests, logged and counted; the admin console on the same listener writes here too.
    public let refusals: RefusalLog
    /// Why the server should get no new calls (`draining`, `store-unavailable`), or nil when it is
    /// ready: `GET /healthz` for a load balancer.
    public let notReady: @Sendable () -> String?

    public init(store: any AdminStore, configuration: Configuration = Configuration(), logger: Logger,
                metricsText: @escaping @Sendable () -> [UInt8] = { [] }, threads: LowPriorityThreads? = nil,
                notReady: @escaping @Sendable () -> String? = { nil }) {
        self.notReady = notReady
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.metricsText = metricsText
        self.threads = threads
        self.refusals = RefusalLog(logger: logger)
    }

    /// The router with every route; `routes` lists them for the OpenAPI check. `adding` puts more
    /// routes behind the same middlewares (the admin console), outside the API's document.
    public func router(adding extra: ((Router<APIContext>) -> Void)? = nil) -> (router: Router<APIContext>, routes: [Route]) {
        let router = Router(context: APIContext.self)
        router.add(middleware: HTTPMetrics())
        router.add(middleware: ErrorMiddleware(logger: logger, refusals: refusals))
        router.add(middleware: AllowListMiddleware(allowList: configuration.allowList))
        router.add(middleware: AuthMiddleware(store: store))
        router.add(middleware: RefusalMiddleware(refusals: refusals))
        let allowed = MethodNotAllowedMiddleware()
        router.add(middleware: allowed)
        var table = RouteTable(router: router, store: store, pageRunner: threads?.pageRunner)
        table.add(.get, "/metrics", public: true) { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: self.metricsText())))
        }
        // Readiness for a load balancer or a monitor (HAProxy's `option httpchk GET /healthz`):
        // 503 while the server drains for shutdown or its store does not answer. No query: cheap.
        table.add(.get, "/healthz", public: true) { _, _ in
            let reason = self.notReady()
            let body = #"{"status":"\#(reason ?? "ready")"}"#
            return Response(status: reason == nil ? .ok : .serviceUnavailable,
                            headers: [.contentType: "application/json", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        table.add(.get, "/api/v1/openapi.json", public: true) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes)))
        }
        addAccountRoutes(&table)
        addPeopleRoutes(&table)
        addCodeRoutes(&table)
        addUsageRoutes(&table)
        addOversightRoutes(&table)
        allowed.paths.set(table.methodsByPath)
        extra?(router)
        return (router, table.routes)
    }

    /// The application to run as a service beside the FastAGI server.
    public func application(adding extra: ((Router<APIContext>) -> Void)? = nil) -> some ApplicationProtocol {
        Application(router: router(adding: extra).router,
                    configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "acctcodes"),
                    eventLoopGroupProvider: threads.map { .shared($0.eventLoopGroup) } ?? .singleton,
                    logger: logger)
    }
}

/// Registers routes and remembers them; routes not marked public need a principal. A route that
/// names its `access` has the principal's role and tenant checked before anything of the request
/// is read, so a token that may not write hears 403 (or 404 for another tenant's account) whatever
/// its body holds. The admin layer checks again; this only decides which refusal comes first.
struct RouteTable {
    let router: Router<APIContext>
    /// What handlers capture to reach the application layer.
    let admins: Admins
    private(set) var routes: [OperatorAPI.Route] = []

    init(router: Router<APIContext>, store: any AdminStore, pageRunner: Admin.PageRunner?) {
        self.router = router
        self.admins = Admins(store: store, pageRunner: pageRunner)
    }

    typealias Handler = @Sendable (Request, APIContext) async throws -> Response

    mutating func add(_ method: HTTPRequest.Method, _ path: String, public isPublic: Bool = false, access: Action? = nil,
                      _ handler: @escaping Handler) {
        routes.append(.init(method: method.rawValue, path: path))
        let admins = admins
        let checked: Handler = { request, context in
            if !isPublic, context.principal == nil {
                throw Refused(reason: .noToken, error: AdminError(.unauthenticated, "send a token: Authorization: Bearer act_..."))
            }
            if let access {
                try admins.admin(context).authorize(access, account: context.parameters.get("account"))
            }
            return try await handler(request, context)
        }
        router.on(RouterPath(path), method: method, use: checked)
        // HEAD wherever GET: the same answer without its body (a streamed export is never produced).
        if method == .get {
            router.on(RouterPath(path), method: .head) { request, context in
                let response = try await checked(request, context)
                return Response(status: response.status, headers: response.headers)
            }
        }
    }

    /// Every route's methods by its path template, for `MethodNotAllowedMiddleware`.
    var methodsByPath: [String: Set<String>] {
        routes.reduce(into: [:]) { all, route in
            all[route.path, default: []].insert(route.method)
            if route.method == "GET" { all[route.path, default: []].insert("HEAD") }
        }
    }
}

struct Admins: Sendable {
    let store: any AdminStore
    /// Where usage exports read their pages (see `LowPriorityThreads`).
    let pageRunner: Admin.PageRunner?

    /// The application layer for this request's principal (routes that reach it have one).
    func admin(_ context: APIContext) -> Admin {
        Admin(store: store, principal: context.principal ?? Principal(name: "anonymous", role: .billing, account: ""))
    }
}

extension Request {
    /// A path parameter; the router only matches when it is there.
    func parameter(_ name: String, _ context: APIContext) throws -> String {
        guard let value = context.parameters.get(name) else { throw AdminError(.invalid, "\(name) is missing", field: name) }
        return value
    }

    func query(_ name: String) -> String? {
        uri.queryParameters.get(name)
    }

    func queryInt(_ name: String, default value: Int? = nil, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = query(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw AdminError(.invalid, "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)", field: name)
        }
        return number
    }

    func queryBool(_ name: String) throws -> Bool? {
        guard let text = query(name) else { return nil }
        switch text {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw AdminError(.invalid, "\(name) must be true or false", field: name)
        }
    }

    /// The whole body, up to the context's upload limit.
    func bytes(_ context: APIContext) async throws -> [UInt8] {
        let buffer = try await body.collect(upTo: context.maxUploadSize)
        return Array(buffer.readableBytesView)
    }

    /// A text body (CSV), UTF-8 checked like the CLI's files.
    func text(_ context: APIContext) async throws -> String {
        do { return try CSV.decode(try await bytes(context)) } catch { throw AdminError(.invalid, "import rejected, nothing was changed", problems: ["\(error)"]) }
    }
}

func noContent() -> Response { Response(status: .noContent) }
