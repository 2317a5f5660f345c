import Foundation

/// The OpenAPI document, `openapi.json` beside this file, served as it is.
enum OpenAPIDocument {
    static let bytes: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
              let data = try? Data(contentsOf: url) else { return Array(#"{"openapi":"3.0.3"}"#.utf8) }
        return [UInt8](data)
    }()
}
