/// What the store knows of a code when a caller enters it: whether it is active and its limits.
public struct CodeFacts: Sendable, Equatable {
    public var active: Bool
    /// Extensions that may use it; empty with `groups` empty means anyone.
    public var users: [String]
    /// Settings groups whose users may use it.
    public var groups: [String]
    /// The highest call class it authorizes (a code for national calls does not open
    /// international ones); nil for any.
    public var level: CallPermission?
    /// First and last day it may be used, `YYYY-MM-DD`, both included; nil for no bound.
    public var validFrom: String?
    public var validUntil: String?

    public init(active: Bool, users: [String] = [], groups: [String] = [], level: CallPermission? = nil,
                validFrom: String? = nil, validUntil: String? = nil) {
        self.active = active
        self.users = users
        self.groups = groups
        self.level = level
        self.validFrom = validFrom
        self.validUntil = validUntil
    }
}

/// Why a code entered by a caller is or is not accepted. The caller only ever hears "invalid";
/// the reason is for `explain` and the admin.
public enum CodeCheck: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case valid
    case unknown
    case inactive
    case notForCaller = "not-for-caller"
    case aboveLevel = "above-level"
    case notYetValid = "not-yet-valid"
    case expired

    public var description: String { rawValue }
}

extension CodeFacts {
    /// Checks the code for this caller, call and day (`today` as `YYYY-MM-DD`). `callClass` nil
    /// when the call's class is not known (no level check).
    public func check(user: String, group: String?, callClass: CallClass?, today: String) -> CodeCheck {
        guard active else { return .inactive }
        if !users.isEmpty || !groups.isEmpty {
            let listed = users.contains(user) || group.map { groups.contains($0) } == true
            if !listed { return .notForCaller }
        }
        if let level, let callClass, callClass.permissionLevel > level { return .aboveLevel }
        if let validFrom, today < validFrom { return .notYetValid }
        if let validUntil, today > validUntil { return .expired }
        return .valid
    }

    /// A `YYYY-MM-DD` day, checked for shape and a real month and day.
    public static func isDay(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month), (1...31).contains(day) else { return false }
        return true
    }
}
