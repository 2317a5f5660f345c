import Admin
import Hummingbird
import NIOCore

/// A request's context: Hummingbird's own, the peer's address for the allow-list, and the
/// principal its bearer token stands for (set by `AuthMiddleware`).
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Imports are bigger than Hummingbird's 2 MB default: a million codes is ~40 MB of CSV.
    public var maxUploadSize: Int { 64 * 1024 * 1024 }
}
