@testable import CallFlows
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The lockout alert's command runs beside the calls of a busy server.
@Suite struct AlertCommandTests {
    /// A server with hundreds of calls holds that many sockets. Foundation's `Process.run()` read
    /// past glibc's directory buffer once `/proc/self/fd` held over ~1,360 entries and crashed the
    /// whole process; the command must run, with its input, whatever the server has open.
    @Test func runsWhileTheServerHoldsManyFilesOpen() async throws {
        let held = (0..<1_400).map { _ in open("/dev/null", O_RDONLY | O_CLOEXEC) }
        defer { for fd in held where fd >= 0 { close(fd) } }
        #expect(held.allSatisfy { $0 >= 0 })
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("alert-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let status = await LockoutAlerts.run("cat > '\(out)'", input: Data("{\"event\":\"lockout\"}\n".utf8))
        #expect(status == 0)
        #expect(FileManager.default.contents(atPath: out) == Data("{\"event\":\"lockout\"}\n".utf8))
        #expect(await LockoutAlerts.run("exit 3", input: Data()) == 3)
    }
}
