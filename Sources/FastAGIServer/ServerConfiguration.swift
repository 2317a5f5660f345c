import AGI

/// Everything that bounds what a peer can make the server do. Defaults suit a single PBX.
public struct ServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 4573
    /// Longest line accepted from Asterisk; Asterisk's own buffer is 8192 bytes.
    public var maxLineLength: Int = 8192
    public var environmentLimits = EnvironmentParser.Limits()
    /// How long a new connection may take to send its whole environment.
    public var environmentTimeout: Duration = .seconds(5)
    /// How long to wait for a reply to one command. `GET DATA` also gets its own prompt time.
    public var replyTimeout: Duration = .seconds(30)
    /// Hard bound on one session, because Asterisk never times out a FastAGI server.
    public var sessionTimeout: Duration = .seconds(600)
    /// Connections beyond this are closed on accept.
    public var maxConnections: Int = 10_000
    public var allowList: AddressAllowList = .loopback
    /// On shutdown, how long sessions in flight may take to finish before they are cut.
    public var shutdownGracePeriod: Duration = .seconds(10)

    public init() {}
}
