import Foundation

/// Dates as GRDB stores them (`yyyy-MM-dd HH:mm:ss.SSS`, UTC, to the nearest millisecond), written
/// without a `DateFormatter`: formatting through ICU cost ~4 us an entry on the usage-log path.
/// GRDB reads these back as `Date` like its own.
public enum StorageDate {
    public static func string(_ date: Date) -> String { format(date, iso: false) }

    /// The date to the nearest millisecond, as every store keeps it.
    public static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// The date as a store gives it back: to the nearest millisecond.
    public static func rounded(_ date: Date) -> Date { Date(timeIntervalSince1970: Double(millis(date)) / 1000) }

    /// `yyyy-MM-ddTHH:mm:ssZ`, as exports write times: ICU's ISO 8601 formatter cost more than
    /// the rest of a usage row's CSV line. The same seconds as `string`, without the milliseconds.
    public static func iso8601(_ date: Date) -> String { format(date, iso: true) }

    private static func format(_ date: Date, iso: Bool) -> String {
        let milliseconds = millis(date)
        var seconds = time_t(milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000)
        let fraction = Int(milliseconds - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(23)
        func put(_ value: Int, digits: Int, then separator: UInt8?) {
            var divisor = 1
            for _ in 1..<digits { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
            if let separator { bytes.append(separator) }
        }
        put(Int(parts.tm_year) + 1900, digits: 4, then: UInt8(ascii: "-"))
        put(Int(parts.tm_mon) + 1, digits: 2, then: UInt8(ascii: "-"))
        put(Int(parts.tm_mday), digits: 2, then: UInt8(ascii: iso ? "T" : " "))
        put(Int(parts.tm_hour), digits: 2, then: UInt8(ascii: ":"))
        put(Int(parts.tm_min), digits: 2, then: UInt8(ascii: ":"))
        if iso {
            put(Int(parts.tm_sec), digits: 2, then: UInt8(ascii: "Z"))
        } else {
            put(Int(parts.tm_sec), digits: 2, then: UInt8(ascii: "."))
            put(fraction, digits: 3, then: nil)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
