// Plan generation on a generated OpenAPI spec of 1,000 operations: time and peak memory,
// beside decoding the same spec alone (the baseline, measured in the same run).
//
//   swift run -c release PlanBenchmark [operations=1000]
//
// Target (issue 4): under one second.
import Foundation
import RepairKit
import RepairTestSupport

let operations = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 1000

/// A spec of `operations` operations: resources with a collection (GET, POST) and an item
/// path (GET, PUT, PATCH, DELETE... as many as needed), schemas with constraints and refs.
func makeSpec(operations: Int) -> Data {
    var paths: [String] = []
    var schemas: [String] = []
    var count = 0
    var resource = 0
    while count < operations {
        resource += 1
        let name = "Resource\(resource)"
        schemas.append("""
        "\(name)Create": {"type": "object", "required": ["name", "quantity"], "properties": {
          "name": {"type": "string", "minLength": 2, "maxLength": 80, "pattern": "^[A-Za-z ]+$"},
          "quantity": {"type": "integer", "minimum": 1, "maximum": 500},
          "status": {"type": "string", "enum": ["draft", "active", "archived"]},
          "owner_id": {"type": "string", "format": "uuid"},
          "tags": {"type": "array", "items": {"type": "string"}},
          "meta": {"$ref": "#/components/schemas/Meta"}}},
        "\(name)": {"allOf": [{"$ref": "#/components/schemas/\(name)Create"}, {"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "format": "uuid", "readOnly": true}}}]}
        """)
        let body = ##""requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/\##(name)Create"}}}}"##
        let one = ##""content": {"application/json": {"schema": {"$ref": "#/components/schemas/\##(name)"}}}"##
        let collection = [
            #""get": {"operationId": "list\#(name)", "responses": {"200": {"description": "ok"}}}"#,
            #""post": {"operationId": "create\#(name)", \#(body), "responses": {"201": {"description": "created", \#(one)}, "422": {"description": "invalid"}}}"#,
        ]
        let item = [
            #""get": {"operationId": "get\#(name)", "responses": {"200": {"description": "ok", \#(one)}, "404": {"description": "missing"}}}"#,
            #""put": {"operationId": "replace\#(name)", \#(body), "responses": {"200": {"description": "ok", \#(one)}}}"#,
            #""patch": {"operationId": "update\#(name)", \#(body), "responses": {"200": {"description": "ok", \#(one)}}}"#,
            #""delete": {"operationId": "delete\#(name)", "responses": {"204": {"description": "gone"}}}"#,
        ]
        let takeCollection = min(collection.count, operations - count)
        paths.append("\"/resources\(resource)\": {\(collection.prefix(takeCollection).joined(separator: ","))}")
        count += takeCollection
        let takeItem = min(item.count, operations - count)
        if takeItem > 0 {
            let parameter = #""parameters": [{"name": "resource\#(resource)_id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}]"#
            paths.append("\"/resources\(resource)/{resource\(resource)_id}\": {\(parameter), \(item.prefix(takeItem).joined(separator: ","))}")
            count += takeItem
        }
    }
    schemas.append(##""Meta": {"type": "object", "properties": {"note": {"type": "string"}, "parent": {"$ref": "#/components/schemas/Meta"}}}"##)
    return Data("""
    {"openapi": "3.0.3", "info": {"title": "Generated", "version": "1"},
     "paths": {\(paths.joined(separator: ",\n"))},
     "components": {"schemas": {\(schemas.joined(separator: ",\n"))}}}
    """.utf8)
}

let seconds = BenchmarkSupport.seconds

let peakMemoryMegabytes = BenchmarkSupport.peakMemoryMegabytes

let data = makeSpec(operations: operations)
print(String(format: "PlanBenchmark: spec of %d operations, %.1f MB of JSON", operations, Double(data.count) / 1_000_000))
let memoryBefore = peakMemoryMegabytes()
var decodeBest = Double.infinity, generateBest = Double.infinity
var scenarios = 0, bytes = 0
var parts = (decode: 0.0, generate: 0.0, encode: 0.0)
for _ in 0..<3 {
    var started = ContinuousClock.now
    let spec = try OpenAPISpec.parse(data, file: "generated.json")
    decodeBest = min(decodeBest, seconds(ContinuousClock.now - started))
    started = ContinuousClock.now
    let fullSpec = try OpenAPISpec.parse(data, file: "generated.json")
    let decoded = ContinuousClock.now
    let plan = PlanGenerator(spec: fullSpec).plan()
    let generated = ContinuousClock.now
    let encoded = plan.jsonData()
    let total = seconds(ContinuousClock.now - started)
    if total < generateBest {
        generateBest = total
        parts = (seconds(decoded - started), seconds(generated - decoded), seconds(ContinuousClock.now - generated))
    }
    scenarios = plan.scenarios.count
    bytes = encoded.count
    _ = spec
}
let memoryAfter = peakMemoryMegabytes()
print(String(format: "  decode the spec only (baseline)   %7.3f s", decodeBest))
print(String(format: "  decode + generate + encode plan   %7.3f s   %d scenarios, %.1f MB   ratio to decode %.2f", generateBest, scenarios, Double(bytes) / 1_000_000, generateBest / decodeBest))
print(String(format: "    of which: decode %.3f s, generate %.3f s, encode %.3f s", parts.decode, parts.generate, parts.encode))
print(String(format: "  peak memory                       %.1f MB (%.1f MB before)", memoryAfter, memoryBefore))
print(generateBest < 1 ? "target met (under one second)" : String(format: "target missed: %.3f s ≥ 1 s", generateBest))
