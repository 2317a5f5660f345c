import AccountCodes
import Testing

@Suite struct NameListTests {
    /// However an admin separates them (the CLI's commas, a console field's spaces and lines, a
    /// CSV cell's semicolons), a list reads the same.
    @Test(arguments: ["1001,1002,1003", "1001, 1002 1003", "1001\n1002\r\n1003", " 1001;1002 ;; 1003 ", "1001,\t1002,,1003,"])
    func everySeparatorAnAdminTypesReadsTheSame(_ text: String) {
        #expect(NameList.split(text) == ["1001", "1002", "1003"])
    }

    @Test func nothingIsAnEmptyList() {
        #expect(NameList.split("").isEmpty)
        #expect(NameList.split(" , ;\n").isEmpty)
    }
}
