import AccountCodes
import ArgumentParser

/// The behaviour settings a group or a user may override; `inherit` removes an override.
struct OverrideOptions: ParsableArguments {
    @Option(help: "Allow account codes: on, off or inherit.")
    var allowAccountCodes: Toggle?
    @Option(help: "Prompt on calls to other users of the account: on, off or inherit.")
    var requireForInternal: Toggle?
    @Option(help: "Check codes against the account's list: on, off or inherit.")
    var validateWhenDialed: Toggle?
    @Option(help: "Let the call proceed without a code after max retries: on, off or inherit.")
    var proceedAfterMaxRetries: Toggle?
    @Option(help: "Classes that always need a code: a comma list of international, directory, premium; none; or inherit.")
    var callsRequiringCodes: String?
    @Option(help: "Code collection on other outbound calls: required, optional, off or inherit.")
    var collection: String?
    @Option(help: "Seconds to wait for each digit (1-60), or inherit.")
    var entryTimeout: String?
    @Option(help: "Incorrect entries that lock the caller out (0 for never), or inherit.")
    var lockoutAfter: String?
    @Option(help: "Minutes over which incorrect entries are counted, or inherit.")
    var lockoutWindow: String?
    @Option(help: "Minutes of the first lock, or inherit.")
    var lockoutMinutes: String?

    func apply(to overrides: inout SettingsOverrides) throws {
        if let t = allowAccountCodes { overrides.allowAccountCodes = t.value }
        if let t = requireForInternal { overrides.requireForInternal = t.value }
        if let t = validateWhenDialed { overrides.validateWhenDialed = t.value }
        if let t = proceedAfterMaxRetries { overrides.proceedAfterMaxRetries = t.value }
        if let text = callsRequiringCodes {
            overrides.callsRequiringCodes = text == "inherit" ? nil : try parseRequirable(text)
        }
        if let text = collection {
            overrides.collection = text == "inherit" ? nil : try parseCollection(text)
        }
        if let text = entryTimeout { overrides.entryTimeout = try number(text, "--entry-timeout") }
        if let text = lockoutAfter { overrides.lockoutAfter = try number(text, "--lockout-after") }
        if let text = lockoutWindow { overrides.lockoutWindow = try number(text, "--lockout-window") }
        if let text = lockoutMinutes { overrides.lockoutMinutes = try number(text, "--lockout-minutes") }
    }

    /// A number, or nil for inherit.
    private func number(_ text: String, _ option: String) throws -> Int? {
        if text == "inherit" { return nil }
        guard let value = Int(text) else { throw ValidationError("\(option) takes a number or inherit") }
        return value
    }
}

func parseRequirable(_ text: String) throws -> Set<RequirableClass> {
    if text == "none" { return [] }
    return Set(try commaList(text).map { name in
        guard let value = RequirableClass(rawValue: name) else {
            throw ValidationError("\(name.debugDescription) is not one of international, directory, premium")
        }
        return value
    })
}

func parseCollection(_ text: String) throws -> Collection {
    guard let value = Collection(rawValue: text) else { throw ValidationError("collection must be required, optional or off") }
    return value
}

extension CallPermission: ExpressibleByArgument {}

/// Lines describing overrides, for `group list` and `user list`.
func describe(_ overrides: SettingsOverrides) -> String {
    var parts: [String] = []
    if let v = overrides.allowAccountCodes { parts.append("allow=\(onOff(v))") }
    if let v = overrides.requireForInternal { parts.append("internal=\(onOff(v))") }
    if let v = overrides.validateWhenDialed { parts.append("validate=\(onOff(v))") }
    if let v = overrides.proceedAfterMaxRetries { parts.append("proceed=\(onOff(v))") }
    if let v = overrides.callsRequiringCodes { parts.append("requiring=\(v.isEmpty ? "none" : v.sorted().map(\.rawValue).joined(separator: ","))") }
    if let v = overrides.collection { parts.append("collection=\(v)") }
    if let v = overrides.entryTimeout { parts.append("timeout=\(v)s") }
    if let v = overrides.lockoutAfter { parts.append("lockout-after=\(v)") }
    if let v = overrides.lockoutWindow { parts.append("lockout-window=\(v)m") }
    if let v = overrides.lockoutMinutes { parts.append("lockout-minutes=\(v)m") }
    return parts.isEmpty ? "-" : parts.joined(separator: " ")
}
