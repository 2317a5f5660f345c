import Foundation

/// The usage log as CSV, one format for the CLI's export and the API's streamed one. New columns
/// go at the end, so a spreadsheet reading the older ones by position still reads them.
public enum UsageCSV {
    public static let header = ["started_at", "route", "user", "caller_id", "dialed", "class", "asked", "incorrect_entries", "result",
                                "reason", "code", "tag_code", "uniqueid", "linkedid", "channel", "ended_at", "disposition",
                                "duration", "billsec", "pbx", "corrected_code", "correction_reason",
                                "transfer_to", "transferred_at"]

    public static var headerLine: String { CSV.line(header) }

    /// A time as the export writes it (`2026-11-23T08:18:03Z`, UTC); the console shows times so too.
    public static func time(_ date: Date) -> String { StorageDate.iso8601(date) }

    /// The entries' lines.
    public static func lines(_ entries: [UsageEntry]) -> String {
        let iso = StorageDate.iso8601
        var text = ""
        text.reserveCapacity(entries.count * 160)
        for e in entries {
            CSV.append([iso(e.startedAt), e.route, e.user, e.callerID, e.dialed, e.callClass, e.asked,
                        String(e.incorrectEntries), e.result, e.reason, e.code ?? "", e.tagCode ?? "", e.uniqueID, e.linkedID,
                        e.channel, e.endedAt.map(iso) ?? "", e.disposition ?? "", e.duration.map(String.init) ?? "",
                        e.billsec.map(String.init) ?? "", e.pbxName, e.correction?.code ?? "", e.correction?.reason ?? "",
                        e.transferTo ?? "", e.transferredAt.map(iso) ?? ""], to: &text)
        }
        return text
    }
}
