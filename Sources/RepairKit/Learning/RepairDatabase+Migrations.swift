import GRDB

extension RepairDatabase {
    /// Every schema change, in order. A released migration is never edited; changes come as
    /// new ones.
    var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: runs, results, groups, attempts, answer cache") { db in
            try db.create(table: "run") { table in
                table.primaryKey("id", .text)
                table.column("appDirectory", .text).notNull()
                table.column("kind", .text).notNull()
                table.column("startedAt", .datetime).notNull()
                table.column("finishedAt", .datetime)
                table.column("healed", .boolean)
                table.column("initialPassRate", .double)
                table.column("finalPassRate", .double)
                table.column("llmCalls", .integer).notNull().defaults(to: 0)
                table.column("tokensIn", .integer).notNull().defaults(to: 0)
                table.column("tokensOut", .integer).notNull().defaults(to: 0)
                table.column("stopReason", .text)
            }
            try db.create(table: "scenarioResult") { table in
                table.autoIncrementedPrimaryKey("id")
                table.belongsTo("run", onDelete: .cascade).notNull()
                table.column("iteration", .integer).notNull()
                table.column("scenarioIndex", .integer).notNull()
                table.column("endpoint", .text).notNull()
                table.column("name", .text).notNull()
                table.column("expectedStatus", .text).notNull()
                table.column("actualStatus", .integer)
                table.column("passed", .boolean).notNull()
                table.column("failureKind", .text)
                table.column("requestID", .text).notNull()
                table.column("durationMilliseconds", .double).notNull()
                table.column("error", .text)
            }
            try db.create(table: "violationGroup") { table in
                table.autoIncrementedPrimaryKey("id")
                table.belongsTo("run", onDelete: .cascade).notNull()
                table.column("iteration", .integer).notNull()
                table.column("key", .text).notNull()
                table.column("kind", .text).notNull()
                table.column("method", .text).notNull()
                table.column("route", .text).notNull()
                table.column("status", .integer)
                table.column("count", .integer).notNull()
                table.column("exceptionType", .text)
                table.column("message", .text)
                table.column("location", .text)
            }
            try db.create(table: "attempt") { table in
                table.autoIncrementedPrimaryKey("id")
                table.belongsTo("run", onDelete: .cascade).notNull()
                table.column("iteration", .integer).notNull()
                table.column("groupKey", .text).notNull()
                table.column("source", .text).notNull()
                table.column("outcome", .text).notNull()
                table.column("rule", .text)
                table.column("files", .text).notNull()
                table.column("diff", .text).notNull()
                table.column("prompt", .text).notNull()
                table.column("answer", .text).notNull()
                table.column("tokensIn", .integer).notNull()
                table.column("tokensOut", .integer).notNull()
                table.column("durationMilliseconds", .double).notNull()
                table.column("detail", .text).notNull()
                table.column("createdAt", .datetime).notNull()
            }
            try db.create(index: "attempt_on_groupKey", on: "attempt", columns: ["groupKey"])
            try db.create(table: "llmAnswer") { table in
                table.primaryKey("key", .text)
                table.column("response", .text).notNull()
                table.column("createdAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v2: fix patterns and GRAVEYARD lessons") { db in
            try db.create(table: "fixPattern") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("signatureKey", .text).notNull().indexed()
                table.column("signature", .text).notNull()
                table.column("kind", .text).notNull()
                /// The fix with the entity's names as holes.
                table.column("template", .text).notNull()
                table.column("exampleDiff", .text).notNull()
                table.column("entity", .text)
                table.column("appsHealed", .text).notNull()
                table.column("successes", .integer).notNull()
                table.column("failures", .integer).notNull()
                table.column("status", .text).notNull()
                table.column("createdAt", .datetime).notNull()
                table.column("updatedAt", .datetime).notNull()
                table.uniqueKey(["signatureKey", "template"])
            }
            try db.create(table: "lesson") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("signatureKey", .text).notNull()
                table.column("signature", .text).notNull()
                table.column("patchHash", .text).notNull()
                table.column("summary", .text).notNull()
                table.column("outcome", .text).notNull()
                table.column("evidence", .text).notNull()
                table.column("count", .integer).notNull()
                table.column("createdAt", .datetime).notNull()
                table.column("updatedAt", .datetime).notNull()
                table.uniqueKey(["signatureKey", "patchHash"])
            }
        }
        migrator.registerMigration("v3: the job queue") { db in
            try db.create(table: "job") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("appDirectory", .text).notNull()
                table.column("priority", .integer).notNull()
                table.column("state", .text).notNull().indexed()
                table.column("enqueuedAt", .datetime).notNull()
                table.column("claimedAt", .datetime)
                table.column("leaseUntil", .datetime)
                table.column("worker", .text)
                table.column("claims", .integer).notNull().defaults(to: 0)
                table.column("stage", .text)
                table.column("iteration", .integer)
                table.column("finishedAt", .datetime)
                table.column("reason", .text)
                table.column("runId", .text)
            }
        }
        migrator.registerMigration("v4: exception type of patterns and lessons as a column") { db in
            for table in ["fixPattern", "lesson"] {
                try db.alter(table: table) { $0.add(column: "exceptionType", .text).notNull().defaults(to: "") }
                // Rows written before the column: their type, read once from the signature text.
                for row in try Row.fetchAll(db, sql: "SELECT id, signature FROM \(table)") {
                    let signature: String = row["signature"]
                    try db.execute(
                        sql: "UPDATE \(table) SET exceptionType = ? WHERE id = ?",
                        arguments: [Signature.exceptionType(of: signature), row["id"] as Int64])
                }
                try db.create(index: "\(table)_exceptionType", on: table, columns: ["exceptionType"])
            }
        }
        migrator.registerMigration("v5: what each shipped library looked like when last imported") { db in
            try db.create(table: "libraryImport") { table in
                table.primaryKey("source", .text)
                table.column("fingerprint", .text).notNull()
                table.column("importedAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v6: a pattern's status set by a person") { db in
            try db.alter(table: "fixPattern") { $0.add(column: "statusByHand", .boolean).notNull().defaults(to: false) }
        }
        migrator.registerMigration("v7: a pattern's fix shape") { db in
            try db.alter(table: "fixPattern") { $0.add(column: "shapeKey", .text).notNull().defaults(to: "") }
            for row in try Row.fetchAll(db, sql: "SELECT id, template FROM fixPattern") {
                try db.execute(
                    sql: "UPDATE fixPattern SET shapeKey = ? WHERE id = ?",
                    arguments: [PatternLibrary.shapeKey(row["template"]), row["id"] as Int64])
            }
            try db.create(index: "fixPattern_signature_shape", on: "fixPattern", columns: ["signatureKey", "shapeKey"])
        }
        migrator.registerMigration("v8: the apps where a pattern failed") { db in
            try db.alter(table: "fixPattern") { $0.add(column: "appsFailed", .text).notNull().defaults(to: "[]") }
        }
        migrator.registerMigration("v9: how a job's cycle ended, for status and result files") { db in
            try db.alter(table: "job") { table in
                table.add(column: "initialPassRate", .double)
                table.add(column: "finalPassRate", .double)
                table.add(column: "groupsLeft", .text)
            }
        }
        migrator.registerMigration("v10: indexes for the examples and lessons a prompt shows") { db in
            // A prompt's examples: the best successes of the same kind and exception type,
            // read in index order and stopped at the limit, not filtered and sorted in Swift.
            try db.execute(
                sql: """
                    CREATE INDEX fixPattern_examples ON fixPattern(kind, exceptionType, \(PatternLibrary.successRateSQL) DESC)
                    """)
            // A prompt's lessons: the most repeated first, for the signature and for its type.
            try db.create(index: "lesson_signature_count", on: "lesson", columns: ["signatureKey", "count"])
            try db.drop(index: "lesson_exceptionType")
            try db.create(index: "lesson_exceptionType_count", on: "lesson", columns: ["exceptionType", "count"])
            // The runs of an app left unfinished (by a kill), looked up when a cycle starts.
            try db.create(
                index: "run_unfinished", on: "run", columns: ["appDirectory"], condition: Column("finishedAt") == nil)
        }
        migrator.registerMigration("v11: LLM spend by provider and model, in money where priced") { db in
            try db.alter(table: "run") { $0.add(column: "cost", .double) }
            try db.create(table: "llmUsage") { table in
                table.column("runId", .text).notNull().references("run", onDelete: .cascade)
                table.column("provider", .text).notNull()
                table.column("model", .text).notNull()
                table.column("calls", .integer).notNull()
                table.column("tokensIn", .integer).notNull()
                table.column("tokensOut", .integer).notNull()
                table.column("cost", .double)
                table.primaryKey(["runId", "provider", "model"])
            }
            // repaird's /metrics counts attempts by source and outcome at every scrape.
            try db.create(index: "attempt_source_outcome", on: "attempt", columns: ["source", "outcome"])
        }
        return migrator
    }
}
