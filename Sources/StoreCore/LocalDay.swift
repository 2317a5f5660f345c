import Foundation

/// Days as codes' validity dates count them.
public enum LocalDay {
    /// Today in the server's time zone, `YYYY-MM-DD`: the days codes are valid are the admin's days.
    public static func today(_ date: Date = Date()) -> String {
        var time = time_t(date.timeIntervalSince1970)
        var parts = tm()
        localtime_r(&time, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))"
    }
}
