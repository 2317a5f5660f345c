import Foundation
import HTTPAPI
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// `GET /healthz`: a load balancer's readiness check, without a token or a query.
@Suite struct HealthTests {
    final class Why: Sendable {
        let reason = Mutex<String?>(nil)
    }

    @Test func healthzIsReadyUntilTheServerDrainsOrItsStoreStopsAnswering() async throws {
        let h = try await APIHarness()
        let why = Why()
        var configuration = OperatorAPI.Configuration()
        configuration.allowList = nil
        let api = OperatorAPI(store: h.store, configuration: configuration, logger: Logger(label: "test"),
                              notReady: { why.reason.withLock { $0 } })
        let app = Application(router: api.router().router)
        try await app.test(.router) { client in
            for reason in [nil, "store-unavailable", "draining", nil] as [String?] {
                why.reason.withLock { $0 = reason }
                let reply = try await client.call(.get, "/healthz", token: nil)
                #expect(reply.status == (reason == nil ? .ok : .serviceUnavailable))
                let body = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: String]
                #expect(body == ["status": reason ?? "ready"])
            }
        }
    }
}
