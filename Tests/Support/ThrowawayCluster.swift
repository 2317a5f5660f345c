import Foundation

/// A PostgreSQL cluster the outage tests stop and start under load, apart from the one other tests
/// share. `Tests/Postgres/with-cluster.sh` runs it and stops or starts it when a file appears in
/// its control folder: the server is then never a child of the test process (a daemon started
/// from it would inherit the descriptors through which Foundation watches other child processes).
///
/// `ACCTCODES_TEST_PG_OUTAGE="postgres://USER@HOST:PORT/DB CONTROL_DIR"`.
public struct ControlledCluster: Sendable {
    public let url: String
    let control: String

    public static var fromEnvironment: ControlledCluster? {
        guard let text = ProcessInfo.processInfo.environment["ACCTCODES_TEST_PG_OUTAGE"] else { return nil }
        let parts = text.split(separator: " ").map(String.init)
        guard parts.count == 2 else { return nil }
        return ControlledCluster(url: parts[0], control: parts[1])
    }

    /// Stops the server at once, cutting every connection (`pg_ctl stop -m fast`): what a crash
    /// or a failover looks like to a client.
    public func stop() async throws { try await ask("stop") }

    public func start() async throws { try await ask("start") }

    /// Leaves the request and waits until the script has carried it out (it removes the file).
    private func ask(_ what: String) async throws {
        let path = "\(control)/\(what)"
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        try await ChildProcess.waitUntil("the cluster to \(what)", timeout: .seconds(60)) { !FileManager.default.fileExists(atPath: path) }
    }
}
