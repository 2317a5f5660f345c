import AccountCodes
import Admin
import Foundation
import HTTPAPI
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Store
import StoreCore

/// A store with two accounts and a token of each role, and the API over it in Hummingbird's
/// router test mode (no socket).
struct APIHarness {
    let store: AcctcodesStore
    let operatorToken: String
    let acmeAdmin: String
    let acmeBilling: String
    let otherAdmin: String
    let revoked: String

    init() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("api-\(UUID().uuidString).sqlite").path
        store = try AcctcodesStore(path: path)
        let cli = Admin(store: store, principal: .commandLine(user: "test"))
        for id in ["acme", "other"] {
            var account = Account(id: id)
            account.codeLength = 4
            account.defaults.allowAccountCodes = true
            _ = try await cli.saveAccount(account, enableAllUsers: false)
        }
        operatorToken = try await cli.createToken(name: "ops", role: .operator, account: nil).token
        acmeAdmin = try await cli.createToken(name: "acme portal", role: .accountAdmin, account: "acme").token
        acmeBilling = try await cli.createToken(name: "acme billing", role: .billing, account: "acme").token
        otherAdmin = try await cli.createToken(name: "other portal", role: .accountAdmin, account: "other").token
        let old = try await cli.createToken(name: "old", role: .operator, account: nil)
        try await cli.revokeToken(id: old.stored.id)
        revoked = old.token
    }

    var api: OperatorAPI { api(logger: Logger(label: "test")) }

    func api(logger: Logger) -> OperatorAPI {
        var configuration = OperatorAPI.Configuration()
        configuration.allowList = nil
        return OperatorAPI(store: store, configuration: configuration, logger: logger,
                           metricsText: { Array("acctcodes_test_total 1\n".utf8) })
    }

    /// An entry in the usage log of `account`, billed to `code`.
    func call(account: String = "acme", uniqueID: String, code: String?, result: String = "ACCEPTED", tries: Int = 0,
              billsec: Int? = nil) throws {
        var entry = UsageEntry(route: "outbound", accountID: account, user: "1001", callerID: "1001", dialed: "011442079460000",
                               callClass: "international", asked: "required", incorrectEntries: tries, result: result,
                               reason: code == nil ? "code-invalid" : "code-accepted", code: code, uniqueID: uniqueID,
                               linkedID: uniqueID, channel: "SIP/1001-1")
        entry.billsec = billsec
        _ = try store.applyUsage([.record(entry: entry)])
    }

    func run(logger: Logger = Logger(label: "test"), _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: api(logger: logger).router().router)
        try await app.test(.router) { client in try await test(client) }
    }
}

struct Reply: Sendable {
    var status: HTTPResponse.Status
    var body: String
    var contentType: String?

    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) }
    var error: [String: Any]? { (json as? [String: Any])?["error"] as? [String: Any] }
    var object: [String: Any]? { json as? [String: Any] }
    var array: [[String: Any]]? { json as? [[String: Any]] }
}

extension TestClientProtocol {
    func call(_ method: HTTPRequest.Method, _ path: String, token: String?, body: String? = nil,
              contentType: String = "application/json") async throws -> Reply {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil { headers[.contentType] = contentType }
        return try await execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            Reply(status: response.status, body: String(buffer: response.body), contentType: response.headers[.contentType])
        }
    }
}
