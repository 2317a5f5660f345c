import Foundation

/// An `application/x-www-form-urlencoded` body, as the console's forms post it. A key may repeat
/// (checkbox groups); `value` takes the first.
struct Form: Sendable {
    private(set) var pairs: [(String, String)] = []

    init(_ body: String) {
        for part in body.split(separator: "&", omittingEmptySubsequences: true) {
            let halves = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(halves[0])
            let value = halves.count > 1 ? Self.decode(halves[1]) : ""
            pairs.append((name, value))
        }
    }

    init(pairs: [(String, String)]) { self.pairs = pairs }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    func value(_ name: String) -> String? { pairs.first { $0.0 == name }?.1 }
    func values(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }
    /// A trimmed value, nil when absent or blank.
    func text(_ name: String) -> String? {
        guard let value = value(name)?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }
    /// A checkbox: present means on.
    func isOn(_ name: String) -> Bool { value(name) != nil }
}
