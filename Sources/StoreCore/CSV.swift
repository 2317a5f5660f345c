/// RFC 4180 CSV: commas, double-quoted fields with `""` for a quote, CRLF or LF line ends.
public enum CSV {
    public struct Row: Sendable, Equatable {
        /// 1-based line where the record starts, for error messages.
        public var line: Int
        public var fields: [String]
    }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }

        public init(line: Int, message: String) {
            self.line = line
            self.message = message
        }
    }

    public static func parse(_ text: String) throws(ParseError) -> [Row] {
        var rows: [Row] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var fieldStarted = false
        var line = 1
        var rowLine = 1
        var characters = text.makeIterator()
        var pending: Character?

        func endRow() {
            fields.append(field)
            // A blank line is not a record.
            if !(fields.count == 1 && fields[0].isEmpty) { rows.append(Row(line: rowLine, fields: fields)) }
            fields = []
            field = ""
            fieldStarted = false
        }

        while let c = pending ?? characters.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    let next = characters.next()
                    if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                } else {
                    if c == "\n" || c == "\r\n" { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case "\"" where !fieldStarted:
                quoted = true
                fieldStarted = true
            case "\"":
                throw ParseError(line: line, message: "stray quote inside an unquoted field")
            case ",":
                fields.append(field)
                field = ""
                fieldStarted = false
            case "\n", "\r\n", "\r":
                endRow()
                line += 1
                rowLine = line
            default:
                field.append(c)
                fieldStarted = true
            }
        }
        if quoted { throw ParseError(line: rowLine, message: "quoted field never closed") }
        if fieldStarted || !fields.isEmpty || !field.isEmpty { endRow() }
        return rows
    }

    /// One record, every field made safe to open in a spreadsheet (`neutralized`) and quoted as needed.
    public static func line(_ fields: [String]) -> String {
        var text = ""
        append(fields, to: &text)
        return text
    }

    /// Appends one line: an export appends a page of them to one string, with no string per line.
    public static func append(_ fields: [String], to text: inout String) {
        for (i, field) in fields.enumerated() {
            if i > 0 { text += "," }
            text += escape(neutralized(field))
        }
        text += "\n"
    }

    /// OWASP's rule against CSV injection: a cell that starts with `=`, `+`, `-`, `@`, a tab or a
    /// CR is a formula to a spreadsheet, so it is written with a leading `'`, which spreadsheets
    /// show as text and our imports take off again. A phone number (`+` or `-` then digits only,
    /// as in `+442079460000`) is left as it is: it cannot be a formula, and billing systems read it.
    public static func neutralized(_ field: String) -> String {
        guard let first = field.unicodeScalars.first, formulaStarts.contains(first) else { return field }
        let rest = field.unicodeScalars.dropFirst()
        if first == "+" || first == "-", !rest.isEmpty, rest.allSatisfy({ $0.properties.numericType != nil && $0.isASCII }) {
            return field
        }
        return "'" + field
    }

    /// The inverse of `neutralized`, for imports: a `'` in front of a formula start is taken off.
    public static func restored(_ field: String) -> String {
        let scalars = field.unicodeScalars
        guard scalars.first == "'", let second = scalars.dropFirst().first, formulaStarts.contains(second) else { return field }
        return String(field.dropFirst())
    }

    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// A file's bytes as text for `parse`: a UTF-8 byte-order mark is dropped, and bytes that are
    /// not UTF-8 are refused with the line they are on (a spreadsheet saved as Latin-1, say).
    public static func decode(_ bytes: [UInt8]) throws(ParseError) -> String {
        var bytes = bytes[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        var line = 1
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                if scalar == "\n" { line += 1 }
            case .emptyInput:
                break loop
            case .error:
                throw ParseError(line: line, message: "not UTF-8 text (save the file as UTF-8 CSV)")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func escape(_ field: String) -> String {
        // A scan of the bytes, not of Characters: an export escapes 19 fields a row, and grapheme
        // breaking was a quarter of its CPU. A comma, quote, CR or LF byte is one in any Character.
        let utf8 = field.utf8
        guard utf8.first == space || utf8.last == space
            || utf8.contains(where: { $0 == comma || $0 == quote || $0 == lineFeed || $0 == carriageReturn }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private static let space = UInt8(ascii: " "), comma = UInt8(ascii: ","), quote = UInt8(ascii: "\"")
    private static let lineFeed = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
}

import Foundation
