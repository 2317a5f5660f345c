import Foundation
import PostgresStore

/// The PostgreSQL server tests may use: `ACCTCODES_TEST_POSTGRES=postgres://USER@HOST:PORT/DB`
/// (`.ci/run` starts a throwaway cluster and sets it). Each test takes a fresh database on it.
public enum TestPostgres {
    public static var server: PostgresLocation? {
        guard let text = ProcessInfo.processInfo.environment["ACCTCODES_TEST_POSTGRES"], !text.isEmpty else { return nil }
        return try? PostgresLocation(text)
    }

    /// Tests are not about deadlines: a busy machine opening many stores at once must not fail them.
    public static let deadline: Duration = .seconds(60)

    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String { "ACCTCODES_TEST_POSTGRES is not set" }
    }

    /// A new, empty database on the test server.
    public static func freshDatabase() async throws -> PostgresLocation {
        guard var location = server else { throw Unavailable() }
        let name = "acctcodes_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await PostgresStore.createDatabase(name, on: location)
        location.database = name
        return location
    }
}
