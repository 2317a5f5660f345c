import Foundation

/// The shipped `dialplan/acctcodes.conf`, read the way Asterisk reads it, far enough to take the
/// AGI URL out of a routine and expand it from a channel's variables: `${NAME}` and
/// `${URIENCODE(...)}`, innermost first. Tests then send that very URL to the server.
struct ShippedDialplan {
    /// Context name to its lines (comments and blank lines dropped).
    let contexts: [String: [String]]

    static func load(_ path: String = "dialplan/acctcodes.conf") throws -> ShippedDialplan {
        let text = try ShippedFilesTests.read(path)
        var contexts: [String: [String]] = [:]
        var current = ""
        for raw in text.split(separator: "\n") {
            let line = raw.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0].trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast())
                contexts[current] = []
            } else {
                contexts[current, default: []].append(line)
            }
        }
        return ShippedDialplan(contexts: contexts)
    }

    /// The argument of the context's one `AGI(...)` application.
    func agiArgument(in context: String) throws -> String {
        let lines = contexts[context] ?? []
        guard let line = lines.first(where: { $0.contains(",AGI(") }),
              let start = line.range(of: ",AGI(")?.upperBound, line.hasSuffix(")") else {
            throw DialplanError(message: "no AGI() in [\(context)]")
        }
        return String(line[start..<line.index(before: line.endIndex)])
    }

    /// `${...}` substitution as Asterisk does it, for the functions the shipped routines use in URLs.
    /// The hangup and tag routines send to `LOCAL(url)`, which their first try sets to
    /// `ACCTCODES_URL` (the server that answered the call): that is its value when not given.
    static func expand(_ text: String, variables: [String: String]) -> String {
        var variables = variables
        if variables["LOCAL(url)"] == nil { variables["LOCAL(url)"] = variables["ACCTCODES_URL"] }
        var text = text
        while let open = text.range(of: "${", options: .backwards) {
            guard let close = text[open.upperBound...].firstIndex(of: "}") else { break }
            let name = String(text[open.upperBound..<close])
            let value: String
            if name.hasPrefix("URIENCODE("), name.hasSuffix(")") {
                value = String(name.dropFirst("URIENCODE(".count).dropLast())
                    .addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? ""
            } else {
                value = variables[name] ?? ""
            }
            text.replaceSubrange(open.lowerBound...close, with: value)
        }
        return text
    }

    /// The route and query an `agi://host:port/...` URL gives Asterisk's `agi_network_script`.
    static func script(ofURL url: String) -> String {
        let path = url.dropFirst("agi://".count)
        return String(path[path.index(after: path.firstIndex(of: "/")!)...])
    }

    struct DialplanError: Error { var message: String }
}
