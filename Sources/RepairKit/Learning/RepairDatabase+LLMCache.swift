import Foundation
import GRDB

extension RepairDatabase: LLMCache {
    public func answer(for key: String) -> LLMResponse? {
        if let postgres {
            guard let text = try? postgres.answer(for: key) else { return nil }
            return try? JSONDecoder().decode(LLMResponse.self, from: Data(text.utf8))
        }
        guard let record = try? writer.read({ try LLMAnswerRecord.fetchOne($0, key: key) }) else { return nil }
        return try? JSONDecoder().decode(LLMResponse.self, from: Data(record.response.utf8))
    }

    public func store(_ response: LLMResponse, for key: String) {
        guard let data = try? JSONEncoder().encode(response) else { return }
        if let postgres {
            try? postgres.store(answer: String(decoding: data, as: UTF8.self), for: key)
            return
        }
        _ = try? writer.write { db in
            try LLMAnswerRecord(key: key, response: String(decoding: data, as: UTF8.self), createdAt: Date()).save(db)
        }
    }
}
