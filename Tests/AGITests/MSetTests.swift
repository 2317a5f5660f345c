import Testing
@testable import AGI

@Suite struct MSetTests {
    @Test func severalVariablesInOneExec() throws {
        let command = try #require(AGICommand.setVariables([("ACCTCODE", "0042"), ("CHANNEL(accountcode)", "0042"), ("ACCTCODE_ALLOW", "1")]))
        #expect(try command.encodedLine() == #"EXEC MSet "ACCTCODE=0042,CHANNEL(accountcode)=0042,ACCTCODE_ALLOW=1""#)
    }

    /// Anything MSet's parser would split, strip or substitute goes back to one SET VARIABLE each.
    @Test(arguments: [
        ("X", "a,b"), ("X", "a=b"), ("X", "two words"), ("X", #"q"uote"#), ("X", #"back\slash"#), ("X", "pi|pe"),
        ("X", "${EXTEN}"), ("X", "(paren"), ("X", "tab\t"), ("X", "é"), ("A(", "1"), ("A)(", "1"), ("", "1"), ("A B", "1"), ("A=B", "1"),
    ])
    func unsafePairsAreRefused(name: String, value: String) {
        #expect(AGICommand.setVariables([("OK", "1"), (name, value)]) == nil)
    }

    @Test func valuesTheFlowsSendAreSafe() {
        let values = ["0042", "international", "code-valid", "usage-log-unavailable-fail-open", "PROCEED_NO_CODE", "", "+44", "a.b:c@d/e*#"]
        for value in values { #expect(AGICommand.setVariables([("ACCTCODE_REASON", value)]) != nil, "\(value)") }
        #expect(AGICommand.setVariables([]) == nil)
    }
}
