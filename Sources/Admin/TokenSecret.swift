import Crypto
import Foundation

/// API tokens: `act_` + an id + `_` + 256 random bits. The store keeps only the SHA-256 of the
/// whole token; a plain hash is enough because the secret is random, not a password.
public enum TokenSecret {
    public struct New: Sendable {
        /// Shown once, to the admin who made it.
        public var token: String
        public var id: String
        public var hash: String
    }

    public static func make() -> New {
        var generator = SystemRandomNumberGenerator()
        let id = hex((0..<5).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let secret = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let token = "act_\(id)_" + base64URL(secret)
        return New(token: token, id: id, hash: hash(token))
    }

    public static func hash(_ token: String) -> String {
        hex(Array(SHA256.hash(data: Array(token.utf8))))
    }

    /// Whether a presented value could be a token at all (before any lookup).
    public static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 58 && token.hasPrefix("act_") && token.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2D
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes { out.append(digits[Int(byte >> 4)]); out.append(digits[Int(byte & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
