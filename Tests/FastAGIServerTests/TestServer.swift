import FakeAsterisk
import FastAGIServer
import Logging
import NIOCore

/// Starts a real server on a free loopback port for one test, and stops it after.
func withServer<T>(
    configure: (inout ServerConfiguration) -> Void = { _ in },
    routes: (inout AGIRouter) -> Void = { _ in },
    _ body: (FastAGIServer, Int) async throws -> T
) async throws -> T {
    var configuration = ServerConfiguration()
    configuration.port = 0
    configuration.shutdownGracePeriod = .seconds(2)
    configure(&configuration)
    var router = AGIRouter.builtIn
    routes(&router)
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    let server = FastAGIServer(configuration: configuration, router: router, logger: logger)
    let address = try await server.start()
    do {
        let result = try await body(server, address.port!)
        await server.shutdown()
        return result
    } catch {
        await server.shutdown()
        throw error
    }
}

/// Waits until the server has no session in flight (handlers finish after the socket closes). The
/// limit only keeps a broken server from hanging the suite: the test's own checks then fail.
func settle(_ server: FastAGIServer, within limit: Duration = .seconds(60)) async throws {
    let deadline = ContinuousClock.now + limit
    while server.activeSessions > 0 || server.openConnections > 0 {
        guard ContinuousClock.now < deadline else { break }
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// Collects what a route handler observed, across its task and the test.
actor Observations<Value: Sendable> {
    var values: [Value] = []
    func append(_ value: Value) { values.append(value) }
}
