/// A list of names, extensions, networks or prefixes as an admin types it: separated by commas,
/// semicolons, spaces or line breaks, blanks dropped. The CLI's options, the console's fields and
/// the CSV cells read lists this one way.
public enum NameList {
    public static func split(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == ";" || $0.isWhitespace }).map(String.init)
    }
}
