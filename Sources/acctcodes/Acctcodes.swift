import ArgumentParser

@main
struct Acctcodes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acctcodes",
        abstract: "Account codes for Asterisk: a FastAGI server and the admin tools around it.",
        discussion: """
        Start the server: acctcodes serve
        Include dialplan/acctcodes.conf in Asterisk; route outbound calls through:
          Gosub(acctcodes-outbound,s,1(${EXTEN},PJSIP/${EXTEN:1}@trunk))
        Try it without a PBX:
          acctcodes call --user 1001 --dial 011442079460000 --keys 1234#
        """,
        subcommands: [Serve.self, AccountCommand.self, GroupCommand.self, UserCommand.self, CodeCommand.self,
                      LockoutCommand.self, UsageCommand.self, ExplainCommand.self, TokenCommand.self, AuditCommand.self,
                      CallCommand.self, LoadCommand.self, MigrateCommand.self]
    )
}
