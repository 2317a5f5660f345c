import ArgumentParser

/// `HOST:PORT`, `[IPv6]:PORT`, or `:PORT` (all IPv4 addresses).
struct ListenAddress: ExpressibleByArgument, CustomStringConvertible {
    var host: String
    var port: Int

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    init?(argument: String) {
        guard let colon = argument.lastIndex(of: ":"), let port = Int(argument[argument.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        var host = String(argument[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// `HOST:PORT[,HOST:PORT...]`: servers asked in order, as the dialplan's `ACCTCODES_SERVER` list.
struct ServerAddresses: ExpressibleByArgument, CustomStringConvertible {
    var addresses: [ListenAddress]

    init(_ addresses: [ListenAddress]) { self.addresses = addresses }

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map { ListenAddress(argument: String($0)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
        addresses = parts.compactMap { $0 }
    }

    var description: String { addresses.map(\.description).joined(separator: ",") }
}
