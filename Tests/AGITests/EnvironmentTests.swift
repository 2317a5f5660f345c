import Testing
@testable import AGI

@Suite struct EnvironmentTests {
    func parse(_ lines: [String], limits: EnvironmentParser.Limits = .init()) throws -> AGIEnvironment? {
        var parser = EnvironmentParser(limits: limits)
        for line in lines {
            if case .complete(let environment) = try parser.feed(line) { return environment }
        }
        return nil
    }

    @Test func parsesAsteriskBlockKeepingOrderEmptyValuesAndUnknownNames() throws {
        let env = try #require(try parse([
            "agi_network: yes",
            "agi_network_script: outbound?account=default&user=1001",
            "agi_channel: SIP/1001-00000000",
            "agi_uniqueid: 1795351624.10",
            "agi_callerid: 1001",
            "agi_calleridname: unknown",
            "agi_extension: 011442079460000",
            "agi_accountcode: ",
            "agi_brand_new: value: with colon",
            "",
        ]))
        #expect(env.pairs.count == 9)
        #expect(env.pairs.first?.name == "agi_network")
        #expect(env.accountCode == "")
        #expect(env["agi_brand_new"] == "value: with colon")
        #expect(env.callerID == "1001")
        #expect(env.callerIDName == nil, "unknown means missing")
        #expect(env.uniqueID == "1795351624.10")
        #expect(env.script.route == "outbound")
        #expect(env.script.parameters == ["account": "default", "user": "1001"])
    }

    @Test func argumentsComeInNumericOrder() throws {
        let env = try #require(try parse(["agi_arg_2: b", "agi_arg_10: j", "agi_arg_1: a", ""]))
        #expect(env.arguments == ["a", "b", "j"])
    }

    @Test func bareNameWithColonIsEmptyValue() throws {
        let env = try #require(try parse(["agi_accountcode:", ""]))
        #expect(env["agi_accountcode"] == "")
    }

    @Test(arguments: ["no colon here", ": value with no name"])
    func malformedLineIsRejected(line: String) {
        #expect(throws: EnvironmentParser.ParseError.malformedLine(line)) { try parse([line, ""]) }
    }

    @Test func tooManyLinesIsRejected() {
        let lines = (0..<5).map { "agi_x\($0): 1" } + [""]
        #expect(throws: EnvironmentParser.ParseError.tooManyLines(4)) {
            try parse(lines, limits: .init(maxLines: 4, maxBytes: 1000))
        }
    }

    @Test func tooManyBytesIsRejected() {
        let lines = ["agi_big: " + String(repeating: "x", count: 200), ""]
        #expect(throws: EnvironmentParser.ParseError.tooLarge(100)) {
            try parse(lines, limits: .init(maxLines: 10, maxBytes: 100))
        }
    }

    @Test func incompleteBlockIsNotComplete() throws {
        #expect(try parse(["agi_network: yes"]) == nil)
    }

    @Test(arguments: [
        ("outbound", "outbound", [String: String]()),
        ("/outbound/", "outbound", [:]),
        ("", "", [:]),
        ("outbound?number=+442079460000", "outbound", ["number": "+442079460000"]),
        ("outbound?number=%2B44%20x&user=1001", "outbound", ["number": "+44 x", "user": "1001"]),
        ("tag?user=1001&user=1002&flag&=x", "tag", ["user": "1001", "flag": ""]),
        ("outbound?bad=%zz%4", "outbound", ["bad": "%zz%4"]),
        ("a/b?x=1", "a/b", ["x": "1"]),
        ("outbound?", "outbound", [:]),
        ("//?&&number=5&", "", ["number": "5"]),
        ("outbound?n=%41%4%", "outbound", ["n": "A%4%"]),
        ("outbound?caf%C3%A9=%E2%9C%93", "outbound", ["café": "✓"]),
    ])
    func scriptSplitsRouteAndDecodesQuery(raw: String, route: String, parameters: [String: String]) {
        let script = AGIScript(raw)
        #expect(script.route == route)
        #expect(script.parameters == parameters)
    }
}
