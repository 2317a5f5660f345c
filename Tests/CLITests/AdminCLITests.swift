import Foundation
import Testing

@Suite(.serialized) struct AdminCLITests {
    /// The "done when": an account, a group, users and 10,000 codes set up with the CLI alone.
    @Test func setsUpAnAccountFromScratch() async throws {
        let cli = CLI()
        try await cli.ok(["account", "set", "--code-length", "4", "--max-retries", "3", "--allow-account-codes", "on",
                    "--calls-requiring-codes", "international,premium", "--collection", "optional"])
        try await cli.ok(["group", "add", "paralegals", "--permission", "local", "--collection", "required"])
        try await cli.ok(["user", "add", "1001", "--name", "Alice", "--enabled"])
        try await cli.ok(["user", "add", "1002", "--group", "paralegals"])
        var csv = "code,description,active\n"
        for i in 0..<10_000 { csv += String(format: "%04d,Client %d,1\n", i, i) }
        #expect(try await cli.ok(["code", "import", "-"], input: csv) == "imported 10000 codes: 10000 added, 0 updated\n")
        try await cli.ok(["account", "set", "--validate-when-dialed", "on", "--enable-all-users"])
        let users = try await cli.ok(["user", "list", "--json"])
        #expect(users.components(separatedBy: "\"enabled\" : true").count == 3, "enable-all-users enabled 1002")
        let export = try await cli.ok(["code", "export"])
        #expect(export.hasPrefix("code,description,active,users,groups,level,valid_from,valid_until\n0000,Client 0,1,,,,,\n"))
        #expect(export.split(separator: "\n").count == 10_001)
        let report = try await cli.explain(user: "1002", dial: "2125550100")
        #expect(report["decision"] as? String == "PROMPT")
        #expect(report["reason"] as? String == "above-permission")
        #expect(report["permissionFrom"] as? String == "group")
        let settings = report["settings"] as? [String: [String: String]]
        #expect(settings?["collection"] == ["value": "required", "from": "group"])
    }

    @Test func refusesChangesTheRulesForbidWithClearErrors() async throws {
        let cli = CLI()
        try await cli.ok(["account", "set", "--code-length", "4"])
        let length = try await cli.run(["account", "set", "--code-length", "5"])
        #expect(length.status != 0)
        #expect(length.stderr.contains("code length is 4 and cannot be changed once set"))
        let validate = try await cli.run(["account", "set", "--validate-when-dialed", "on"])
        #expect(validate.stderr.contains("while the account has no codes"))
        let retries = try await cli.run(["account", "set", "--max-retries", "12"])
        #expect(retries.stderr.contains("max retries must be 1 to 9"))
        try await cli.ok(["user", "add", "1001"])
        let proceed = try await cli.run(["user", "set", "1001", "--proceed-after-max-retries", "on"])
        #expect(proceed.stderr.contains("only when it is on for the account"))
        let badCode = try await cli.run(["code", "add", "12345"])
        #expect(badCode.stderr.contains("must be exactly 4 digits"))
    }

    @Test func badImportNamesEveryLineAndChangesNothing() async throws {
        let cli = CLI()
        try await cli.ok(["account", "set", "--code-length", "4"])
        let result = try await cli.run(["code", "import", "-"], input: "code,description,active\n1234,ok,1\n99,short,1\n1234,dup,1\n")
        #expect(result.status != 0)
        #expect(result.stderr.contains("line 3: code \"99\" must be exactly 4 digits"))
        #expect(result.stderr.contains("line 4: code 1234 repeats line 2"))
        #expect(try await cli.ok(["code", "list"]) == "CODE  ACTIVE  LIMITS  DESCRIPTION\n")
    }

    @Test func importsUsersAllOrNothing() async throws {
        let cli = CLI()
        try await cli.ok(["account", "set", "--code-length", "4"])
        try await cli.ok(["group", "add", "partners"])
        try await cli.ok(["user", "add", "1001", "--name", "Old name", "--collection", "required"])
        let bad = try await cli.run(["user", "import", "-"], input: "extension,name,group,enabled\n1001,Alice,,1\n10 2,Bad,,1\n1003,Carol,nosuch,1\n1001,Again,,0\n1004,Dan,,maybe\n")
        #expect(bad.status != 0)
        for problem in ["line 3: extension \"10 2\" must be letters and digits", "line 4: group \"nosuch\" does not exist",
                        "line 5: extension 1001 repeats line 2", "line 6: enabled must be"] {
            #expect(bad.stderr.contains(problem), "\(problem)")
        }
        #expect(try await cli.ok(["user", "export"]) == "extension,name,group,enabled\n1001,Old name,,0\n", "nothing changed")
        let good = try await cli.ok(["user", "import", "-"], input: "extension,name,group,enabled\n1001,Alice,partners,1\n1002,\"Bob, Jr.\",,\n")
        #expect(good == "imported 2 users: 1 added, 1 updated\n")
        #expect(try await cli.ok(["user", "export"]) == "extension,name,group,enabled\n1001,Alice,partners,1\n1002,\"Bob, Jr.\",,0\n")
        #expect(try await cli.ok(["user", "list"]).contains("collection=required"), "an update keeps custom settings")
    }

    @Test func brokenDatabaseGivesAClearError() async throws {
        let cli = CLI()
        try Data(repeating: 7, count: 4096).write(to: URL(fileURLWithPath: cli.database))
        let result = try await cli.run(["account", "show"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("cannot open the database at \(cli.database)"))
    }

    @Test(arguments: [
        ["account", "show"], ["account", "set"], ["group", "add"], ["group", "set"], ["group", "remove"], ["group", "list"],
        ["user", "add"], ["user", "set"], ["user", "enable"], ["user", "disable"], ["user", "reset"], ["user", "remove"],
        ["user", "list"], ["user", "import"], ["user", "export"], ["code", "add"], ["code", "set"], ["code", "remove"], ["code", "list"], ["code", "import"],
        ["code", "export"], ["usage", "list"], ["usage", "export"], ["usage", "totals"], ["usage", "report"], ["usage", "correct"], ["explain"], ["serve"],
    ])
    func everyCommandHelpHasAnExample(command: [String]) async throws {
        let help = try await CLI().ok(command + ["--help"])
        #expect(help.contains("acctcodes "), "help of \(command) shows an example")
        #expect(help.contains("OVERVIEW:"))
    }
}
