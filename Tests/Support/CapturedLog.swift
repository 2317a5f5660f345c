import Logging
import Synchronization

/// Every line the server logs, rendered with its metadata as a terminal would show it.
public final class CapturedLog: Sendable {
    public init() {}
    private let lines = Mutex<[String]>([])

    public struct Handler: LogHandler {
        let sink: CapturedLog
        public var metadata: Logger.Metadata = [:]
        public var logLevel: Logger.Level = .trace

        public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        public func log(event: LogEvent) {
            let all = self.metadata.merging(event.metadata ?? [:]) { _, new in new }
            let rendered = "\(event.level) \(event.message) " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            sink.lines.withLock { $0.append(rendered) }
        }
    }

    public var handler: Handler { Handler(sink: self) }
    public var all: [String] { lines.withLock { $0 } }
}
