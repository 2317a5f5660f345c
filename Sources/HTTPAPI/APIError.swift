import Admin
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Every error leaves the API in one JSON shape: `{"error": {"kind", "message", "field", "problems"}}`.
struct ErrorBody: Encodable {
    struct Detail: Encodable {
        var kind: String
        var message: String
        var field: String?
        var problems: [String]?
    }
    var error: Detail
}

extension AdminError {
    var status: HTTPResponse.Status {
        switch kind {
        case .invalid: .badRequest
        case .rule: .unprocessableContent
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .busy: .serviceUnavailable
        case .storage: .internalServerError
        }
    }

    /// What a JSON decoder's complaint means to the client, naming the field.
    init(decoding error: DecodingError) {
        func path(_ context: DecodingError.Context) -> String? {
            let keys = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            return keys.isEmpty ? nil : keys.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = (context.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: ".")
            self.init(.invalid, "\(field) is missing", field: field)
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let field = path(context)
            self.init(.invalid, field.map { "\($0): \(context.debugDescription)" } ?? "the body is not valid JSON: \(context.debugDescription)",
                      field: field)
        @unknown default:
            self.init(.invalid, "the body could not be read")
        }
    }
}

/// Turns whatever a route threw into the one error shape, with the status it means.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let logger: Logger
    let refusals: RefusalLog

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let refused as Refused {
            refusals.refused(refused.reason, request, context)
            return Self.response(refused.error)
        } catch let error as AdminError {
            if error.kind == .storage { logger.error("API request failed", metadata: ["error": "\(error.message)"]) }
            return Self.response(error)
        } catch let error as DecodingError {
            return Self.response(AdminError(decoding: error))
        } catch let error as any HTTPResponseError {
            let kind: AdminError.Kind = switch error.status {
            case .notFound: .notFound
            case .unauthorized: .unauthenticated
            case .forbidden: .forbidden
            case .conflict: .conflict
            default: .invalid
            }
            let message = (error as? HTTPError)?.body ?? error.status.reasonPhrase
            var response = Self.response(AdminError(kind, message.isEmpty ? error.status.reasonPhrase : message))
            response.status = error.status
            return response
        } catch {
            logger.error("API request failed", metadata: ["error": "\(error)"])
            return Self.response(AdminError(.storage, "internal error"))
        }
    }

    static func response(_ error: AdminError) -> Response {
        let body = ErrorBody(error: .init(kind: error.kind.rawValue, message: error.message, field: error.field,
                                          problems: error.problems.isEmpty ? nil : error.problems))
        var response = JSONOut.response(body, status: error.status)
        if error.kind == .unauthenticated { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }
}

/// JSON out, one encoder setup for every response.
enum JSONOut {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? encoder().encode(value)) ?? Data(#"{"error":{"kind":"storage","message":"could not encode the response"}}"#.utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
