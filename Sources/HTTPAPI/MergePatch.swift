import Admin
import Foundation

/// JSON Merge Patch (RFC 7386) onto a value: the value as JSON, the body's keys written over it
/// (`null` removes one: an override goes back to inherit), decoded back. Creating is patching a
/// new value with defaults, so POST and PATCH share the rules. A key the type does not have is
/// refused by name rather than ignored: a typo must not pass as "saved".
enum MergePatch {
    static func apply<T: Codable>(_ body: [UInt8], to value: T) throws(AdminError) -> T {
        let patch: Any
        do { patch = try JSONSerialization.jsonObject(with: Data(body)) } catch {
            throw AdminError(.invalid, "the body is not valid JSON")
        }
        guard let patchObject = patch as? [String: Any] else { throw AdminError(.invalid, "the body must be a JSON object") }
        do {
            let original = try JSONSerialization.jsonObject(with: try JSONOut.encoder().encode(value)) as? [String: Any] ?? [:]
            let merged = merge(original, patchObject)
            let decoded = try decoder().decode(T.self, from: try JSONSerialization.data(withJSONObject: merged))
            let roundTrip = try JSONSerialization.jsonObject(with: try JSONOut.encoder().encode(decoded)) as? [String: Any] ?? [:]
            if let unknown = unknownKey(patchObject, known: roundTrip, original: original) {
                throw AdminError(.invalid, "\(unknown) is not a field here", field: unknown)
            }
            return decoded
        } catch let error as AdminError {
            throw error
        } catch let error as DecodingError {
            throw AdminError(decoding: error)
        } catch {
            throw AdminError(.invalid, "the body could not be read: \(error.localizedDescription)")
        }
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    static func merge(_ target: [String: Any], _ patch: [String: Any]) -> [String: Any] {
        var result = target
        for (key, value) in patch {
            if value is NSNull {
                result.removeValue(forKey: key)
            } else if let object = value as? [String: Any] {
                result[key] = merge(target[key] as? [String: Any] ?? [:], object)
            } else {
                result[key] = value
            }
        }
        return result
    }

    /// A key of the patch that neither the result nor the original has (a null for an optional
    /// field that was already absent is fine).
    static func unknownKey(_ patch: [String: Any], known: [String: Any], original: [String: Any], prefix: String = "") -> String? {
        for (key, value) in patch.sorted(by: { $0.key < $1.key }) {
            let name = prefix.isEmpty ? key : "\(prefix).\(key)"
            if let object = value as? [String: Any] {
                guard let inner = known[key] as? [String: Any] ?? (original[key] as? [String: Any]) else {
                    if known[key] == nil { return name }
                    continue
                }
                if let found = unknownKey(object, known: inner, original: original[key] as? [String: Any] ?? [:], prefix: name) {
                    return found
                }
            } else if !(value is NSNull), known[key] == nil {
                return name
            }
        }
        return nil
    }
}
