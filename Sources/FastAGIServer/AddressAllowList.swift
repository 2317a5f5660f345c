import AccountCodes
import NIOCore

/// Source addresses allowed to open a session, as CIDR blocks (`10.0.0.0/8`, `::1/128`).
public struct AddressAllowList: Sendable, Equatable, CustomStringConvertible {
    public typealias Block = NetworkBlock

    public var blocks: [Block]

    public init(_ blocks: [Block]) { self.blocks = blocks }

    /// Loopback only: what a single-box install needs and nothing more.
    public static let loopback = AddressAllowList([Block("127.0.0.0/8")!, Block("::1/128")!])

    public var description: String { blocks.map(\.description).joined(separator: ", ") }

    public func allows(_ address: SocketAddress?) -> Bool {
        guard let bytes = address.flatMap(Self.bytes(of:)) else { return false }
        return blocks.contains { $0.contains(bytes) }
    }

    /// The address's bytes (4 for IPv4, an IPv4-mapped IPv6 address included; 16 for IPv6);
    /// nil for a Unix socket.
    public static func bytes(of address: SocketAddress) -> [UInt8]? {
        switch address {
        case .v4(let v4):
            return withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }
        case .v6(let v6):
            return NetworkBlock.unmapped(withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) })
        case .unixDomainSocket:
            return nil
        }
    }
}
