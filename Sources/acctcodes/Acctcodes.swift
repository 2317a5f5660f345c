import ArgumentParser

@main
struct Acctcodes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acctcodes",
        abstract: "Account codes for Asterisk: a FastAGI server and the admin tools around it.",
        discussion: """
        Start the server with `acctcodes serve`, then point the dialplan at it:
          same => n,AGI(agi://127.0.0.1/outbound?user=${CALLERID(num)}&number=${EXTEN})
        """,
        subcommands: [Serve.self, AccountCommand.self, GroupCommand.self, UserCommand.self, CodeCommand.self,
                      UsageCommand.self, ExplainCommand.self, CallCommand.self, LoadCommand.self]
    )
}
