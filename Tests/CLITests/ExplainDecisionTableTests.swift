import Foundation
import Testing

/// `acctcodes explain` gives the right answer for every row of the spec's decision table.
@Suite(.serialized) struct ExplainDecisionTableTests {
    /// An account with codes on, optional collection, international requiring a code; 1001 enabled,
    /// 1002 disabled, 1003 in a local-only group, 1004 with internal calls requiring a code, 1005 required, 1006 off.
    static func setUp() async throws -> CLI {
        let cli = CLI()
        try await cli.ok(["account", "set", "--code-length", "4", "--allow-account-codes", "on",
                    "--calls-requiring-codes", "international", "--collection", "optional"])
        try await cli.ok(["code", "add", "1234"])
        try await cli.ok(["group", "add", "local-only", "--permission", "local"])
        try await cli.ok(["user", "add", "1001", "--enabled"])
        try await cli.ok(["user", "add", "1002"])
        try await cli.ok(["user", "add", "1003", "--enabled", "--group", "local-only"])
        try await cli.ok(["user", "add", "1004", "--enabled", "--require-for-internal", "on"])
        try await cli.ok(["user", "add", "1005", "--enabled", "--collection", "required"])
        try await cli.ok(["user", "add", "1006", "--enabled", "--collection", "off"])
        return cli
    }

    static let rows: [(user: String, dial: String, decision: String, reason: String, skips: Bool?)] = [
        ("1001", "911", "EMERGENCY (dial, no prompt)", "emergency", nil),
        ("1003", "911", "EMERGENCY (dial, no prompt)", "emergency", nil),
        ("1002", "2125550100", "NOTREQUIRED (dial, no prompt)", "user-not-enabled", nil),
        ("1003", "2125550100", "PROMPT", "above-permission", false),
        ("1004", "1001", "PROMPT", "internal-required", false),
        ("1001", "1002", "NOTREQUIRED (dial, no prompt)", "internal", nil),
        ("1001", "011442079460000", "PROMPT", "international-requires-code", false),
        ("1005", "2125550100", "PROMPT", "collection-required", false),
        ("1001", "2125550100", "PROMPT", "collection-optional", true),
        ("1006", "2125550100", "NOTREQUIRED (dial, no prompt)", "collection-off", nil),
    ]

    @Test func everyRow() async throws {
        let cli = try await Self.setUp()
        for row in Self.rows {
            let report = try await cli.explain(user: row.user, dial: row.dial)
            #expect(report["decision"] as? String == row.decision, "\(row.user) -> \(row.dial)")
            #expect(report["reason"] as? String == row.reason, "\(row.user) -> \(row.dial)")
            let prompt = report["prompt"] as? [String: Any]
            #expect(prompt?["poundSkips"] as? Bool == row.skips, "\(row.user) -> \(row.dial)")
        }
    }

    @Test func codesOffRows() async throws {
        let cli = try await Self.setUp()
        try await cli.ok(["account", "set", "--allow-account-codes", "off"])
        #expect(try await cli.explain(user: "1001", dial: "011442079460000")["reason"] as? String == "codes-off")
        let denied = try await cli.explain(user: "1003", dial: "2125550100")
        #expect(denied["decision"] as? String == "DENIED (no prompt)")
        #expect(denied["reason"] as? String == "above-permission")
    }
}
