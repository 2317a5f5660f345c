/// What kind of call a dialed number is. Order of cases is the classifier's order of precedence.
public enum CallClass: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case emergency, `internal`, directory, premium, international, tollfree, local, national

    public var description: String { rawValue }

    /// Where the class sits on the permission scale. Toll-free counts as local; directory
    /// assistance is charged like a long-distance call; premium is the most expensive of all,
    /// so only an `international` permission covers it.
    public var permissionLevel: CallPermission {
        switch self {
        case .emergency, .internal: .internal
        case .local, .tollfree: .local
        case .national, .directory: .national
        case .international, .premium: .international
        }
    }
}

/// The highest call class a settings group may place without an account code.
public enum CallPermission: String, Sendable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    case `internal`, local, national, international

    private var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
    public var description: String { rawValue }
}

/// The classes an account can list under "calls requiring codes".
public enum RequirableClass: String, Sendable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    case international, directory, premium

    public var callClass: CallClass { CallClass(rawValue: rawValue)! }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }
}

/// How codes are collected on outbound calls not otherwise covered.
public enum Collection: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case required, optional, off
    public var description: String { rawValue }
}
