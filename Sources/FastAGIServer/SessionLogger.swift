import Logging
import Synchronization

/// A session's logger, with its metadata (peer, uniqueid, route) attached only when something is
/// logged: swift-log's stream handler formats its metadata on every change, which cost ~4 % of
/// a session's CPU when done per connection for sessions that log nothing.
final class SessionLogger: Sendable {
    private let base: Logger
    private let state: Mutex<State>

    private struct State {
        var metadata: [(String, Logger.MetadataValue)]
        var built: Logger?
    }

    init(base: Logger, metadata: [(String, Logger.MetadataValue)] = []) {
        self.base = base
        self.state = Mutex(State(metadata: metadata))
    }

    /// Logs only if the level admits it: below it, neither the logger, the message nor the
    /// metadata is built.
    func log(level: Logger.Level, _ message: @autoclosure () -> Logger.Message,
             metadata: @autoclosure () -> Logger.Metadata? = nil) {
        guard base.logLevel <= level else { return }
        logger.log(level: level, message(), metadata: metadata())
    }

    func add(_ key: String, _ value: Logger.MetadataValue) {
        state.withLock {
            $0.metadata.append((key, value))
            $0.built = nil
        }
    }

    var logger: Logger {
        state.withLock { state in
            if let built = state.built { return built }
            var logger = base
            for (key, value) in state.metadata { logger[metadataKey: key] = value }
            state.built = logger
            return logger
        }
    }
}
