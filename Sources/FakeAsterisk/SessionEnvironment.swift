/// Builds the `agi_*` block Asterisk 20 sends, in Asterisk's order.
public struct SessionEnvironment: Sendable {
    public var script: String
    public var host: String = "127.0.0.1:4573"
    public var channel: String = "PJSIP/1001-00000001"
    public var uniqueID: String = "1795351624.10"
    public var callerID: String = "1001"
    public var callerIDName: String = "unknown"
    public var context: String = "from-internal"
    public var extensionValue: String = "s"
    public var accountCode: String = ""
    public var arguments: [String] = []
    /// Names and values appended after the standard ones, like a newer Asterisk would.
    public var extra: [(String, String)] = []

    public init(script: String) { self.script = script }

    public var pairs: [(String, String)] {
        let type = channel.split(separator: "/").first.map(String.init) ?? "SIP"
        var pairs: [(String, String)] = [
            ("agi_network", "yes"),
            ("agi_network_script", script),
            ("agi_request", "agi://\(host)/\(script)"),
            ("agi_channel", channel),
            ("agi_language", "en"),
            ("agi_type", type),
            ("agi_uniqueid", uniqueID),
            ("agi_version", "20.20.1"),
            ("agi_callerid", callerID),
            ("agi_calleridname", callerIDName),
            ("agi_callingpres", "0"),
            ("agi_callingani2", "0"),
            ("agi_callington", "0"),
            ("agi_callingtns", "0"),
            ("agi_dnid", extensionValue),
            ("agi_rdnis", "unknown"),
            ("agi_context", context),
            ("agi_extension", extensionValue),
            ("agi_priority", "1"),
            ("agi_enhanced", "0.0"),
            ("agi_accountcode", accountCode),
            ("agi_threadid", "140202768709312"),
        ]
        pairs += extra
        for (index, argument) in arguments.enumerated() { pairs.append(("agi_arg_\(index + 1)", argument)) }
        return pairs
    }

    /// The bytes on the wire: one `name: value\n` line each, then an empty line.
    public var wireText: String {
        pairs.map { "\($0.0): \($0.1)\n" }.joined() + "\n"
    }
}

extension SessionEnvironment {
    /// A call from `user` dialing `dial`, as the shipped dialplan sends it to a route
    /// (`route?account=..&user=..&number=..&pbx=..&request=..`, the number URI-encoded as
    /// `URIENCODE` does). `pbx` and `request` are left out when nil, as an older dialplan does.
    public static func call(route: String, account: String, user: String, dial: String, uniqueID: String, pbx: String? = nil,
                            request: String? = nil, extraQuery: [String] = []) -> SessionEnvironment {
        var query = ["account=\(account)", "user=\(user)", "number=\(dial.split(separator: "+", omittingEmptySubsequences: false).joined(separator: "%2B"))"]
        if let pbx { query.append("pbx=\(pbx.addingPercentEncodingForQuery)") }
        if let request { query.append("request=\(request)") }
        query += extraQuery
        var environment = SessionEnvironment(script: "\(route)?\(query.joined(separator: "&"))")
        environment.callerID = user
        environment.extensionValue = dial
        environment.uniqueID = uniqueID
        environment.channel = "PJSIP/\(user)-00000001"
        return environment
    }
}

extension String {
    /// As Asterisk's `URIENCODE` writes a value: everything but unreserved characters as `%XX`.
    var addingPercentEncodingForQuery: String {
        var out = ""
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }
}
