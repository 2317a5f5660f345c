import AGI
import FakeAsterisk
import FastAGIServer
import Testing

/// A caller may hang up during any command. Whatever the step and however Asterisk reports it,
/// the session must end cleanly and the handler must get to run its bookkeeping.
@Suite struct HangupAtEveryStepTests {
    static let steps = 7

    static func route(_ seen: Observations<String>) -> AGIRouteHandler {
        { call in
            var trail: [String] = []
            do {
                try await call.answer()
                trail.append("answer")
                let digits = await call.getData(file: "beep", timeout: .seconds(1), maxDigits: 4)
                trail.append("getData \(digits)")
                _ = try await call.streamFile("beep")
                try await call.setVariable("A", "1")
                _ = try await call.getVariable("A")
                try await call.verbose("v")
                _ = try await call.getFullVariable("${A}")
            } catch {
                trail.append("error \(error)")
            }
            // Bookkeeping after the caller left must still run.
            await seen.append("done hungup=\(call.isHungUp) \(trail.joined(separator: "|"))")
        }
    }

    @Test(arguments: [CallScript.HangupStyle.sighup, .noSighup, .exitOnHangup])
    func hangupAtEachStep(style: CallScript.HangupStyle) async throws {
        let seen = Observations<String>()
        try await withServer(routes: { $0.add("flow", Self.route(seen)) }) { server, port in
            for step in 1...Self.steps {
                let script = CallScript(keys: "1234#", hangupAtCommand: step, hangupStyle: style)
                let record = try await FakeAsteriskClient(port: port, sessionTimeout: .seconds(10))
                    .run(SessionEnvironment(script: "flow"), script: script)
                #expect(record.ending != .timedOut, "step \(step)")
                #expect(record.commands.count <= Self.steps)
                // The route may still be running after Asterisk's side closed: its bookkeeping
                // lands before the next session starts, so the records are in step order.
                try await settle(server)
            }
            let done = await seen.values
            #expect(done.count == Self.steps, "every session finished its bookkeeping")
            #expect(done.allSatisfy { $0.hasPrefix("done") })
            // A hangup during a live-channel command is always noticed by the end.
            #expect(done[0].hasPrefix("done hungup=true"))
            #expect(done[1].contains("getData hangup"))
            #expect(server.activeSessions == 0)
        }
    }
}
