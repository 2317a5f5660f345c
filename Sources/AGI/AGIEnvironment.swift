/// The `agi_*` lines Asterisk sends when a FastAGI session opens.
///
/// Values are kept raw: Asterisk does not escape them. Unknown names are kept,
/// because newer Asterisk versions add some.
public struct AGIEnvironment: Sendable, Equatable {
    /// Every `name: value` pair, in the order received.
    public private(set) var pairs: [(name: String, value: String)]
    /// `agi_network_script` split into a route and its URL-decoded query parameters, parsed once.
    public private(set) var script = AGIScript(route: "")

    public init(pairs: [(name: String, value: String)] = []) {
        self.pairs = []
        // Asterisk 20 sends 22 names, plus one per AGI argument: one allocation, not six.
        self.pairs.reserveCapacity(max(pairs.count, 24))
        for pair in pairs { append(name: pair.name, value: pair.value) }
    }

    public mutating func append(name: String, value: String) {
        pairs.append((name, value))
        if name == "agi_network_script", script.route.isEmpty, script.parameters.isEmpty { script = AGIScript(value) }
    }

    /// The first value of a name (a repeat is not something Asterisk sends). A scan: about 25
    /// short names, where a dictionary would keep every value twice on every waiting call.
    public subscript(name: String) -> String? { pairs.first { $0.name == name }?.value }

    public static func == (lhs: AGIEnvironment, rhs: AGIEnvironment) -> Bool {
        lhs.pairs.elementsEqual(rhs.pairs) { $0.name == $1.name && $0.value == $1.value }
    }

    // MARK: Typed accessors

    /// `agi_arg_1`, `agi_arg_2`, ... in numeric order (not wire order).
    public var arguments: [String] {
        let numbered = pairs.compactMap { pair -> (Int, String)? in
            guard pair.name.hasPrefix("agi_arg_"), let n = Int(pair.name.dropFirst(8)) else { return nil }
            return (n, pair.value)
        }
        return numbered.sorted { $0.0 < $1.0 }.map(\.1)
    }

    public var uniqueID: String { self["agi_uniqueid"] ?? "" }
    public var channel: String { self["agi_channel"] ?? "" }
    public var context: String { self["agi_context"] ?? "" }
    public var extensionValue: String { self["agi_extension"] ?? "" }
    public var accountCode: String { self["agi_accountcode"] ?? "" }
    public var version: String { self["agi_version"] ?? "" }
    /// The caller ID number, `nil` when Asterisk reports it missing (`unknown`) or empty.
    public var callerID: String? { Self.known(self["agi_callerid"]) }
    public var callerIDName: String? { Self.known(self["agi_calleridname"]) }
    public var dnid: String? { Self.known(self["agi_dnid"]) }

    private static func known(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value != "unknown" else { return nil }
        return value
    }
}

/// The script part of `agi://host/SCRIPT?QUERY`.
public struct AGIScript: Sendable, Equatable {
    /// The path without leading or trailing slashes, e.g. `outbound`.
    public var route: String
    /// Query parameters, percent-decoded. `+` is kept as `+`: dialed numbers start with it.
    public var parameters: [String: String]

    public init(route: String, parameters: [String: String] = [:]) {
        self.route = route
        self.parameters = parameters
    }

    public init(_ raw: String) {
        var raw = raw
        (route, parameters) = raw.withUTF8(Self.parse)
    }

    /// Byte by byte: every call parses one, and String's index APIs cost more than the work.
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> (route: String, parameters: [String: String]) {
        let slash = UInt8(ascii: "/")
        let question = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.count
        var start = 0, end = question
        while start < end, bytes[start] == slash { start += 1 }
        while end > start, bytes[end - 1] == slash { end -= 1 }
        let route = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        var parameters: [String: String] = [:]
        var itemStart = question + 1
        while itemStart < bytes.count {
            let itemEnd = bytes[itemStart...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.count
            let item = bytes[itemStart..<itemEnd]
            let equals = item.firstIndex(of: UInt8(ascii: "="))
            let name = percentDecoded(item[..<(equals ?? itemEnd)])
            // First occurrence wins, like most web frameworks.
            if !name.isEmpty, parameters[name] == nil {
                parameters[name] = percentDecoded(equals.map { item[($0 + 1)...] } ?? item[itemEnd...])
            }
            itemStart = itemEnd + 1
        }
        return (route, parameters)
    }
}

/// Decodes `%XX` escapes; a malformed escape is kept literally rather than rejected.
func percentDecoded(_ s: Slice<UnsafeBufferPointer<UInt8>>) -> String {
    let percent = UInt8(ascii: "%")
    guard s.contains(percent) else { return String(decoding: UnsafeBufferPointer(rebasing: s), as: UTF8.self) }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(s.count)
    var i = s.startIndex
    while i < s.endIndex {
        if s[i] == percent, i + 2 < s.endIndex, let high = hexValue(s[i + 1]), let low = hexValue(s[i + 2]) {
            bytes.append(high << 4 | low)
            i += 3
        } else {
            bytes.append(s[i])
            i += 1
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}
