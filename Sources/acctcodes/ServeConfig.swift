import Foundation
import Yams

/// `serve --config FILE`: the service's settings in YAML (see `dist/acctcodes.yaml`). Flags given
/// on the command line win over the file; what neither gives takes the built-in default.
/// Unknown keys are errors, named: a misspelt key must not silently leave a default in place.
struct ServeConfig: Decodable, Equatable {
    struct FastAGI: Decodable, Equatable {
        var listen: String?
        var allow: [String]?
        var maxConnections: Int?
        var maxLineLength: Int?
        var environmentTimeout: Double?
        var replyTimeout: Double?
        var sessionTimeout: Double?
        var shutdownGrace: Double?
    }
    struct Database: Decodable, Equatable {
        /// A SQLite file, or `postgres://USER@HOST:PORT/DB`.
        var path: String?
        var passwordFile: String?
        var spool: String?
        var fsync: Bool?
        var commitWaitMs: Double?
    }
    struct Calls: Decodable, Equatable {
        var failMode: String?
        var answer: Bool?
        var playAccepted: Bool?
        var mset: Bool?
        var prompts: [String: String]?
        var soundsDir: String?
    }
    struct HTTP: Decodable, Equatable {
        /// `HOST:PORT`, or `off`.
        var listen: String?
        var allow: [String]?
    }

    var fastagi: FastAGI?
    var database: Database?
    var calls: Calls?
    var http: HTTP?
    var alertCommand: String?
    var logLevel: String?

    /// Every key the file may have, by section.
    static let keys: [String: Set<String>] = [
        "": ["fastagi", "database", "calls", "http", "alert_command", "log_level"],
        "fastagi": ["listen", "allow", "max_connections", "max_line_length", "environment_timeout", "reply_timeout",
                    "session_timeout", "shutdown_grace"],
        "database": ["path", "fsync", "commit_wait_ms"],
        "calls": ["fail_mode", "answer", "play_accepted", "mset", "prompts", "sounds_dir"],
        "http": ["listen", "allow"],
    ]

    struct LoadError: Error, CustomStringConvertible {
        var description: String
    }

    static func load(path: String) throws(LoadError) -> ServeConfig {
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadError(description: "config \(path): cannot read the file") }
        guard let text = String(data: data, encoding: .utf8) else { throw LoadError(description: "config \(path): not UTF-8 text") }
        return try parse(text, path: path)
    }

    static func parse(_ text: String, path: String) throws(LoadError) -> ServeConfig {
        let tree: Any?
        do { tree = try Yams.load(yaml: text) } catch { throw LoadError(description: "config \(path): not valid YAML: \(error)") }
        guard let tree else { return ServeConfig() }
        guard let top = tree as? [String: Any] else { throw LoadError(description: "config \(path): expected sections such as fastagi: and http:") }
        for (key, value) in top {
            guard keys[""]!.contains(key) else { throw LoadError(description: "config \(path): unknown key \(key)") }
            guard let allowed = keys[key] else { continue }
            guard let section = value as? [String: Any] else {
                if value is NSNull { continue }
                throw LoadError(description: "config \(path): \(key) must be a section of keys")
            }
            for inner in section.keys where !allowed.contains(inner) {
                throw LoadError(description: "config \(path): unknown key \(key).\(inner)")
            }
        }
        do {
            let decoder = YAMLDecoder()
            return try decoder.decode(ServeConfig.self, from: text, userInfo: [:])
        } catch let error as DecodingError {
            let (context, what): (DecodingError.Context?, String) = switch error {
            case .typeMismatch(let type, let c): (c, "expected \(type == String.self ? "text" : type == Bool.self ? "true or false" : "\(type)")")
            case .valueNotFound(_, let c): (c, "a value is missing")
            case .dataCorrupted(let c): (c, c.debugDescription)
            case .keyNotFound(let key, let c): (c, "\(key.stringValue) is missing")
            @unknown default: (nil, "\(error)")
            }
            let key = context?.codingPath.map { $0.intValue.map { "[\($0)]" } ?? snake($0.stringValue) }.joined(separator: ".") ?? "?"
            throw LoadError(description: "config \(path): key \(key): \(what)")
        } catch {
            throw LoadError(description: "config \(path): \(error)")
        }
    }

    enum CodingKeys: String, CodingKey {
        case fastagi, database, calls, http
        case alertCommand = "alert_command"
        case logLevel = "log_level"
    }

    init() {}

    static func snake(_ name: String) -> String {
        var out = ""
        for c in name { if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) } }
        return out
    }
}

extension ServeConfig.FastAGI {
    enum CodingKeys: String, CodingKey {
        case listen, allow
        case maxConnections = "max_connections", maxLineLength = "max_line_length", environmentTimeout = "environment_timeout"
        case replyTimeout = "reply_timeout", sessionTimeout = "session_timeout", shutdownGrace = "shutdown_grace"
    }
}

extension ServeConfig.Database {
    enum CodingKeys: String, CodingKey {
        case path, fsync, spool
        case commitWaitMs = "commit_wait_ms", passwordFile = "password_file"
    }
}

extension ServeConfig.Calls {
    enum CodingKeys: String, CodingKey {
        case failMode = "fail_mode", answer, playAccepted = "play_accepted", mset, prompts, soundsDir = "sounds_dir"
    }
}
