/// What an import did: codes or users added and updated.
public struct ImportSummary: Sendable, Equatable, Codable {
    public var added: Int
    public var updated: Int

    public init(added: Int, updated: Int) {
        self.added = added
        self.updated = updated
    }
}

/// A page of the usage log as CSV lines. `lastID` is the next page's `afterID`; `count` below
/// the limit means this was the last page.
public struct CSVPage: Sendable {
    public var text: String
    public var lastID: Int64?
    public var count: Int

    public init(text: String, lastID: Int64?, count: Int) {
        self.text = text
        self.lastID = lastID
        self.count = count
    }
}
