import Foundation
import PostgresNIO
import StoreCore

/// Where the shared database is: `postgres://USER@HOST:PORT/DATABASE?sslmode=…`. The password is
/// never part of it (a command line and a process list are public on a PBX): it comes from
/// `PGPASSWORD` or a file, as libpq's tools take it.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable {
        /// Plain TCP (loopback, or a network the operator trusts).
        case disable
        /// TLS when the server offers it (libpq's default).
        case prefer
        /// TLS or no connection.
        case require
    }

    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var tls: TLSMode
    /// Kept out of `description` and every log line.
    public var password: String?

    /// Whether `text` names a PostgreSQL database rather than a SQLite file.
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses the URL; the password comes from `passwordFile`, else `PGPASSWORD` in `environment`.
    public init(_ text: String, passwordFile: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws(StoreError) {
        guard Self.isPostgres(text), let url = URLComponents(string: text), let host = url.host, !host.isEmpty else {
            throw .cannotOpen(path: "the --db address", reason: "expected postgres://USER@HOST:PORT/DATABASE")
        }
        if url.password != nil {
            throw .cannotOpen(path: Self.redacted(url),
                              reason: "a password in the address is refused (it would show in the process list); put it in PGPASSWORD or a file named by --db-password-file")
        }
        guard let user = url.user, !user.isEmpty else {
            throw .cannotOpen(path: Self.redacted(url), reason: "the address names no user (postgres://USER@HOST/DATABASE)")
        }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.port = url.port ?? 5432
        self.user = user
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        self.database = path.isEmpty ? user : path
        let mode = url.queryItems?.first { $0.name == "sslmode" }?.value ?? TLSMode.prefer.rawValue
        guard let tls = TLSMode(rawValue: mode) else {
            throw .cannotOpen(path: Self.redacted(url), reason: "sslmode must be disable, prefer or require, not \(mode.debugDescription)")
        }
        self.tls = tls
        if let passwordFile {
            do {
                let text = try String(contentsOfFile: passwordFile, encoding: .utf8)
                password = text.trimmingCharacters(in: .newlines)
            } catch {
                throw .cannotOpen(path: Self.redacted(url), reason: "cannot read the password file \(passwordFile): \(error.localizedDescription)")
            }
        } else {
            password = environment["PGPASSWORD"]
        }
    }

    /// The address as logs show it: no password, ever.
    public var description: String {
        "postgres://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
    }

    static func redacted(_ url: URLComponents) -> String {
        var copy = url
        copy.password = nil
        copy.query = nil
        return copy.string ?? "the --db address"
    }
}

extension PostgresLocation {
    /// The pool's TLS setting for this `sslmode`.
    var clientTLS: PostgresClient.Configuration.TLS {
        switch tls {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }

    /// A single connection's settings (the notification listener, `createDatabase`), the same
    /// `sslmode` as the pool's.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS = switch self.tls {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        return PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }
}
