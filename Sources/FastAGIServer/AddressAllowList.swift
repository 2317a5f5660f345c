import NIOCore

/// Source addresses allowed to open a session, as CIDR blocks (`10.0.0.0/8`, `::1/128`).
public struct AddressAllowList: Sendable, Equatable, CustomStringConvertible {
    public struct Block: Sendable, Equatable, CustomStringConvertible {
        let network: [UInt8]
        let prefixLength: Int
        public let description: String

        /// Parses `a.b.c.d[/n]` or an IPv6 address `[/n]`; a bare address is a single host.
        public init?(_ text: String) {
            let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
            guard let first = parts.first, let bytes = Self.addressBytes(first) else { return nil }
            let maxPrefix = bytes.count * 8
            let prefix = parts.count == 2 ? Int(parts[1]) : maxPrefix
            guard let prefix, (0...maxPrefix).contains(prefix) else { return nil }
            network = bytes
            prefixLength = prefix
            description = "\(first)/\(prefix)"
        }

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == network.count else { return false }
            var remaining = prefixLength
            for (a, n) in zip(address, network) where remaining > 0 {
                let bits = min(8, remaining)
                let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                if a & mask != n & mask { return false }
                remaining -= bits
            }
            return true
        }

        static func addressBytes(_ text: String) -> [UInt8]? {
            guard let address = try? SocketAddress(ipAddress: text, port: 0) else { return nil }
            return AddressAllowList.bytes(of: address)
        }
    }

    public var blocks: [Block]

    public init(_ blocks: [Block]) { self.blocks = blocks }

    /// Loopback only: what a single-box install needs and nothing more.
    public static let loopback = AddressAllowList([Block("127.0.0.0/8")!, Block("::1/128")!])

    public var description: String { blocks.map(\.description).joined(separator: ", ") }

    public func allows(_ address: SocketAddress?) -> Bool {
        guard let address, var bytes = Self.bytes(of: address) else { return false }
        // An IPv4 peer on a dual-stack socket shows up as ::ffff:a.b.c.d.
        if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            bytes = Array(bytes[12...])
        }
        return blocks.contains { $0.contains(bytes) }
    }

    static func bytes(of address: SocketAddress) -> [UInt8]? {
        switch address {
        case .v4(let v4):
            return withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }
        case .v6(let v6):
            return withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        case .unixDomainSocket:
            return nil
        }
    }
}
