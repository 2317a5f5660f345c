import Foundation
import TestSupport

/// Runs the built `acctcodes` executable against a database of its own.
struct CLI: Sendable {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// A SQLite file, or a PostgreSQL address.
    let database: String
    /// A folder of the test's own, for files.
    let dir: URL

    init() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("acctcodes-cli-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        database = dir.appendingPathComponent("cli.sqlite").path
    }

    /// The CLI on a PostgreSQL database.
    init(postgres: String) {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("acctcodes-cli-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        database = postgres
    }

    /// The executable sits beside the test bundle in the build folder.
    static let executable: URL = {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("acctcodes").path), dir.path != "/" {
            dir.deleteLastPathComponent()
        }
        return dir.appendingPathComponent("acctcodes")
    }()

    @discardableResult
    func run(_ arguments: [String], input: String? = nil) async throws -> Result {
        let captured = try await ChildProcess.capture(Self.executable.path, arguments, environment: ["ACCTCODES_DB": database],
                                                      input: input ?? "")
        return Result(status: captured.status, stdout: captured.stdout, stderr: captured.stderr)
    }

    /// Runs and requires success.
    @discardableResult
    func ok(_ arguments: [String], input: String? = nil) async throws -> String {
        let result = try await run(arguments, input: input)
        guard result.status == 0 else {
            throw Failure(message: "acctcodes \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
        }
        return result.stdout
    }

    /// `explain --json`, decoded.
    func explain(user: String, dial: String) async throws -> [String: Any] {
        let json = try await ok(["explain", "--user", user, "--dial", dial, "--json"])
        return try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
    }

    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
