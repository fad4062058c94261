import Foundation
import GRDB

extension RepairDatabase: LLMCache {
    public func answer(for key: String) -> LLMResponse? {
        guard let record = try? writer.read({ try LLMAnswerRecord.fetchOne($0, key: key) }) else { return nil }
        return try? JSONDecoder().decode(LLMResponse.self, from: Data(record.response.utf8))
    }

    public func store(_ response: LLMResponse, for key: String) {
        guard let data = try? JSONEncoder().encode(response) else { return }
        _ = try? writer.write { db in
            try LLMAnswerRecord(key: key, response: String(decoding: data, as: UTF8.self), createdAt: Date()).save(db)
        }
    }
}
