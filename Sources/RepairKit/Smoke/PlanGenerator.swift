import Foundation
import OpenAPIKit

/// Derives a smoke plan from an OpenAPI document, deterministically: the same spec gives the
/// same plan, byte for byte.
///
/// Per operation: `happy_path` with a valid payload and the documented success status; for
/// paths with parameters (GET, PUT, PATCH, DELETE, POST) `not_found` with absent ids; and per rule
/// of each request-body property a `validation_error_<field>_<rule>` expecting 400 or 422.
/// `seed_data` holds every entity a path parameter needs, parents first.
public struct PlanGenerator {
    /// The methods whose operations on a path with parameters get (and, for `plan check`, need)
    /// a `not_found` scenario.
    static let notFoundMethods: Set<String> = ["GET", "PUT", "PATCH", "DELETE", "POST"]
    let spec: OpenAPISpec
    let sampler: SchemaSampler
    private let operationCache = OperationCache()

    public init(spec: OpenAPISpec) {
        self.spec = spec
        sampler = SchemaSampler(components: spec.document.components, keyOrder: spec.keyOrder)
    }

    /// One operation of the spec.
    struct Operation {
        var method: String
        var path: String
        var operation: OpenAPI.Operation
        var parameters: [OpenAPI.Parameter]
        /// The entities the path's parameters name, read once.
        var pathEntities: [(parameter: String, entity: String)]
        var endpoint: Endpoint { Endpoint("\(method) \(path)")! }
    }

    /// An entity a path parameter names: `/pets/{id}` needs a seeded `pet`.
    struct Entity {
        var name: String
        var index: Int
        var integerID: Bool
        var seededID: JSONValue {
            integerID ? .number(Double(index)) : .string(String(format: "00000000-0000-4000-8000-%012d", index))
        }
        var absentID: JSONValue {
            integerID ? .number(99_999_999) : .string(String(format: "99999999-9999-4000-8000-%012d", index))
        }
    }

    public func plan() -> SmokePlan {
        let operations = self.operations()
        let entities = self.entities(for: operations)
        var scenarios: [Scenario] = []
        for operation in operations {
            scenarios += self.scenarios(for: operation, entities: entities)
        }
        var plan = secured(
            SmokePlan(seedData: seedData(entities, operations: operations), scenarios: scenarios),
            operations: operations, entities: entities)
        // A form or multipart body is a key of plan version 2.
        if plan.scenarios.contains(where: { $0.payloadEncoding != .json }) { plan.version = 2 }
        plan.scenarios = Self.destructiveLast(plan.scenarios, seeded: entities.values.map(\.seededID))
        for index in plan.setup.indices { plan.setup[index].index = index }
        for index in plan.scenarios.indices { plan.scenarios[index].index = plan.setup.count + index }
        return plan
    }

    /// Every operation whose method a smoke scenario can send, in the spec's order (read once).
    func operations() -> [Operation] {
        if let known = operationCache.operations() { return known }
        let found = readOperations()
        operationCache.store(found)
        return found
    }

    private func readOperations() -> [Operation] {
        var result: [Operation] = []
        let paths =
            spec.keyOrder?.ordered(spec.document.paths.map { ($0.key, $0.value) }, name: \.rawValue)
            ?? spec.document.paths.map { ($0.key, $0.value) }
        for (path, item) in paths {
            guard let pathItem = try? spec.document.components.lookup(item) else { continue }
            let shared = pathItem.parameters.compactMap { try? spec.document.components.lookup($0) }
            for endpoint in pathItem.endpoints {
                let method = endpoint.method.rawValue.uppercased()
                guard Endpoint.methods.contains(method), Endpoint("\(method) \(path.rawValue)") != nil else { continue }
                let own = endpoint.operation.parameters.compactMap { try? spec.document.components.lookup($0) }
                let merged =
                    shared.filter { parameter in
                        !own.contains { $0.name == parameter.name && $0.location == parameter.location }
                    } + own
                result.append(
                    Operation(
                        method: method, path: path.rawValue, operation: endpoint.operation, parameters: merged,
                        pathEntities: Self.parameterEntities(path.rawValue)))
            }
        }
        return result
    }

    // MARK: Entities and seed data

    func entities(for operations: [Operation]) -> [String: Entity] {
        var entities: [String: Entity] = [:]
        for operation in operations {
            for (parameter, entityName) in operation.pathEntities where entities[entityName] == nil {
                let schema = operation.parameters.first { $0.name == parameter && $0.location == .path }.flatMap(
                    parameterSchema)
                var stack: [String] = []
                let isInteger = schema.flatMap { sampler.resolve($0, stack: &stack) }.map { $0.isInteger } ?? false
                entities[entityName] = Entity(name: entityName, index: entities.count + 1, integerID: isInteger)
            }
        }
        return entities
    }

    /// `/users/{userId}/posts/{id}` → `[(userId, user), (id, post)]`: a parameter that names
    /// its entity (`userId`, `pet_id`, `username`) says which; a bare `{id}` or `{slug}`
    /// belongs to the collection before it.
    static func parameterEntities(_ path: String) -> [(parameter: String, entity: String)] {
        var result: [(String, String)] = []
        var previous: String?
        for segment in path.split(separator: "/") {
            // A segment may hold several parameters: `{base}...{head}`.
            let parameters = Endpoint.parameterNames(in: String(segment))
            guard !parameters.isEmpty else {
                previous = String(segment)
                continue
            }
            for parameter in parameters {
                var named: String?
                for suffix in ["_id", "Id", "ID", "_name", "Name", "name"]
                where parameter.hasSuffix(suffix) && parameter.count > suffix.count {
                    named = String(parameter.dropLast(suffix.count))
                    break
                }
                result.append((parameter, singular(named ?? previous ?? parameter)))
            }
        }
        return result
    }

    static func singular(_ word: String) -> String { Inflection.singular(word) }

    func seedData(_ entities: [String: Entity], operations: [Operation]) -> [SeedEntity] {
        var seeds: [SeedEntity] = []
        // Read once for all entities: what each is created from, its parents, its key parameters.
        let schemas = entitySchemas(operations)
        var parents: [String: [String]] = [:]
        var keyParameters: [String: Set<String>] = [:]
        for operation in operations {
            let chain = operation.pathEntities.map(\.entity)
            for (position, name) in chain.enumerated() where position > 0 {
                parents[name, default: []] += chain[..<position]
            }
            for (parameter, name) in operation.pathEntities { keyParameters[name, default: []].insert(parameter) }
        }
        for entity in entities.values.sorted(by: { $0.index < $1.index }) {
            var fields: [String: JSONValue] = [:]
            var dependsOn: [String] = []
            var seedSampler = sampler
            seedSampler.variant = entity.index
            if let schema = schemas[entity.name],
                case .object(let members)? = seedSampler.sample(schema, name: entity.name)
            {
                fields = members
            }
            for (field, _) in fields {
                if let parent = Self.referencedEntity(field, among: entities), parent.name != entity.name {
                    fields[field] = parent.seededID
                    dependsOn.append(parent.name)
                }
            }
            // A nested path makes the outer entity a parent: /users/{userId}/posts/{id}.
            dependsOn += parents[entity.name] ?? []
            if entity.integerID { fields["id"] = entity.seededID }
            // The entity's key as the paths use it (`username`, `slug`) holds the seeded id.
            for parameter in keyParameters[entity.name] ?? [] where fields[parameter] != nil {
                fields[parameter] = entity.seededID
            }
            let uuid = String(format: "00000000-0000-4000-8000-%012d", entity.index)
            seeds.append(
                SeedEntity(
                    entityName: entity.name, uuid: uuid, fields: fields, dependsOn: Array(Set(dependsOn)).sorted()))
        }
        // Parents before children, otherwise in order of first use.
        var ordered: [SeedEntity] = []
        var remaining = seeds
        while !remaining.isEmpty {
            let ready = remaining.firstIndex { seed in
                seed.dependsOn.allSatisfy { name in
                    ordered.contains { $0.entityName == name } || !seeds.contains { $0.entityName == name }
                }
            }
            ordered.append(remaining.remove(at: ready ?? 0))
        }
        return ordered
    }

    /// The schema of each entity: what its collection's first POST accepts, else what its first
    /// item GET returns.
    func entitySchemas(_ operations: [Operation]) -> [String: JSONSchema] {
        var created: [String: JSONSchema] = [:]
        var read: [String: JSONSchema] = [:]
        for operation in operations {
            if operation.method == "POST", let last = operation.path.split(separator: "/").last, !last.hasPrefix("{") {
                let name = Self.singular(String(last))
                if created[name] == nil, let schema = requestSchema(operation) { created[name] = schema }
            } else if operation.method == "GET", operation.path.hasSuffix("}"),
                let name = operation.pathEntities.last?.entity, read[name] == nil,
                let schema = successResponse(operation)?.schema
            {
                read[name] = schema
            }
        }
        return created.merging(read) { own, _ in own }
    }

    /// `customer_id` / `customerId` → the `customer` entity, when there is one.
    static func referencedEntity(_ field: String, among entities: [String: Entity]) -> Entity? {
        for suffix in ["_id", "Id", "ID"] where field.hasSuffix(suffix) {
            let base = String(field.dropLast(suffix.count))
            if let entity = entities[singular(base)] { return entity }
        }
        return nil
    }

    /// The scenarios in spec order, except those that change a seeded entity for the ones
    /// after them: actions on it (`POST /orders/{id}/cancel`) come after everything else, and
    /// deleting it comes last — so no scenario meets a seeded entity already cancelled or gone.
    /// One that changes an entity an earlier one already changed (cancelling a paid order,
    /// removing an item from a cart checked out) gets `reseed`: the seed runs again first.
    static func destructiveLast(_ scenarios: [Scenario], seeded: [JSONValue]) -> [Scenario] {
        func touchesSeeded(_ scenario: Scenario) -> Bool {
            scenario.pathParams.values.contains { seeded.contains($0) }
        }
        func rank(_ scenario: Scenario) -> Int {
            guard touchesSeeded(scenario), scenario.expectedStatus.contains(where: { (200..<300).contains($0) }) else {
                return 0
            }
            if scenario.endpoint.method == "DELETE" { return 2 }
            let last = scenario.endpoint.path.split(separator: "/").last ?? ""
            return scenario.endpoint.method == "POST" && !last.hasPrefix("{") && scenario.endpoint.path.contains("}/")
                ? 1 : 0
        }
        var ordered = scenarios.enumerated().sorted {
            (rank($0.element), $0.offset) < (rank($1.element), $1.offset)
        }.map(\.element)
        var changed = Set<String>()
        for index in ordered.indices where rank(ordered[index]) > 0 {
            let ids = Set(ordered[index].pathParams.values.filter { seeded.contains($0) }.map(\.parameterText))
            if !changed.isDisjoint(with: ids) {
                ordered[index].reseed = true
                changed = []
            }
            changed.formUnion(ids)
        }
        return ordered
    }

    // MARK: Scenarios

    func scenarios(for operation: Operation, entities: [String: Entity]) -> [Scenario] {
        let endpoint = operation.endpoint
        let pathEntities = operation.pathEntities
        var pathParams: [String: JSONValue] = [:]
        for (parameter, name) in pathEntities { pathParams[parameter] = entities[name]?.seededID }
        var queryParams: [String: JSONValue] = [:]
        for parameter in operation.parameters where parameter.location == .query && parameter.required {
            queryParams[parameter.name] =
                parameterSchema(parameter).flatMap { sampler.sample($0, name: parameter.name) } ?? .string("example")
        }
        let body = requestBody(operation)
        let bodySchema = body?.schema
        var payload = bodySchema.flatMap { sampler.sample($0, name: "body") }
        if case .object(var members)? = payload {
            for (field, _) in members {
                if let entity = Self.referencedEntity(field, among: entities) { members[field] = entity.seededID }
            }
            if body?.encoding == .multipart, let bodySchema {
                // A binary field of a multipart body is a file.
                for property in sampler.properties(of: bodySchema) ?? [] where members[property.name] != nil {
                    var stack: [String] = []
                    let resolved = sampler.resolve(property.schema, stack: &stack)
                    let format = resolved?.formatString
                    var isFile = format == "binary" || format == "base64"
                    if case .string(_, let context)? = resolved?.value, context.contentMediaType != nil {
                        isFile = true
                    }
                    if isFile {
                        members[property.name] = .object([
                            "filename": .string("\(property.name).txt"), "content": .string("example file content"),
                            "content_type": .string("text/plain"),
                        ])
                    }
                }
            }
            payload = .object(members)
        }
        let success = successResponse(operation)
        let label = operation.operation.summary ?? operation.operation.operationId ?? "\(endpoint)"
        var scenarios = [
            Scenario(
                index: 0, endpoint: endpoint, name: "happy_path", description: "\(label): a valid request",
                pathParams: pathParams, queryParams: queryParams, payload: payload,
                expectedStatus: [success?.status ?? 200], expectedResponseContains: success.map(expectedKeys) ?? [])
        ]
        // Every operation on an identified resource, POST actions (`/orders/{order_id}/pay`) and
        // nested creates (`/customers/{id}/orders`) included: an id that does not exist is a 404.
        if !pathEntities.isEmpty && Self.notFoundMethods.contains(operation.method) {
            var absent = pathParams
            if let (parameter, name) = pathEntities.last { absent[parameter] = entities[name]?.absentID }
            scenarios.append(
                Scenario(
                    index: 0, endpoint: endpoint, name: "not_found", description: "\(label): an id that does not exist",
                    pathParams: absent, queryParams: queryParams, payload: payload, expectedStatus: [404]))
        }
        if let bodySchema, case .object(let members)? = payload {
            for property in sampler.properties(of: bodySchema) ?? []
            where members[property.name] != nil || property.required {
                // A form sends every value as text: a wrong type cannot be said there.
                for (rule, value) in sampler.violations(of: property) where body?.encoding == .json || rule != "type" {
                    var broken = members
                    broken[property.name] = value
                    if value == nil { broken.removeValue(forKey: property.name) }
                    scenarios.append(
                        Scenario(
                            index: 0, endpoint: endpoint, name: "validation_error_\(property.name)_\(rule)",
                            description:
                                "\(label): \(property.name) breaks its \(rule.replacingOccurrences(of: "_", with: " ")) rule",
                            pathParams: pathParams, queryParams: queryParams, payload: .object(broken),
                            expectedStatus: [400, 422]))
                }
            }
        }
        if let encoding = body?.encoding, encoding != .json {
            for index in scenarios.indices { scenarios[index].payloadEncoding = encoding }
        }
        return scenarios
    }

    /// The JSON schema of the request body, when it has one.
    /// What the plan cannot cover, by operation — never left silent: a request body that is
    /// not JSON (form-encoded, multipart) or whose `$ref` cannot be resolved (an external file)
    /// gets no payload; a parameter whose `$ref` cannot be resolved gets no value.
    public func uncovered() -> [(endpoint: String, problem: String)] {
        var result: [(String, String)] = []
        for operation in operations() {
            let endpoint = operation.endpoint.description
            let declared = operation.operation.parameters.count
            let resolved = operation.operation.parameters.compactMap { try? spec.document.components.lookup($0) }.count
            if resolved < declared {
                result.append(
                    (endpoint, "\(declared - resolved) parameter $ref(s) cannot be resolved; they get no value"))
            }
            guard let body = operation.operation.requestBody else { continue }
            guard let request = try? spec.document.components.lookup(body) else {
                result.append((endpoint, "its request body's $ref cannot be resolved; the plan sends no payload"))
                continue
            }
            if let found = requestBody(operation), found.encoding != .json { continue }
            guard let content = jsonContent(request.content) else {
                let types = request.content.keys.map(\.rawValue).sorted().joined(separator: ", ")
                result.append(
                    (
                        endpoint,
                        "its request body is \(types.isEmpty ? "empty" : types), not JSON; the plan sends no payload"
                    ))
                continue
            }
            if let schema = content.schema, (try? spec.document.components.lookup(schema)) == nil {
                result.append(
                    (endpoint, "its request body's schema $ref cannot be resolved; the plan sends no payload"))
            }
        }
        return result
    }

    func requestSchema(_ operation: Operation) -> JSONSchema? {
        requestBody(operation).flatMap { $0.encoding == .json ? $0.schema : nil }
    }

    /// The request body's schema and how it is sent: JSON when the spec offers it, else a form
    /// or multipart form data.
    func requestBody(_ operation: Operation) -> (schema: JSONSchema, encoding: PayloadEncoding)? {
        guard let body = operation.operation.requestBody, let request = try? spec.document.components.lookup(body)
        else { return nil }
        if let schema = jsonContent(request.content)?.schema.flatMap({ try? spec.document.components.lookup($0) }) {
            return (schema, .json)
        }
        for (type, encoding) in [
            ("application/x-www-form-urlencoded", PayloadEncoding.form), ("multipart/form-data", .multipart),
        ] {
            let entry = request.content.first { $0.key.rawValue.lowercased() == type }?.value
            if let content = entry.flatMap({ try? spec.document.components.lookup($0) }),
                let schema = content.schema.flatMap({ try? spec.document.components.lookup($0) })
            {
                return (schema, encoding)
            }
        }
        return nil
    }

    /// The lowest documented 2xx (a `2XX` range or only `default` count as 200) and its schema.
    func successResponse(_ operation: Operation) -> (status: Int, schema: JSONSchema?)? {
        var best: (Int, JSONSchema?)?
        for (code, response) in operation.operation.responses {
            let status: Int
            switch code.value {
            case .status(let value) where (200..<300).contains(value): status = value
            case .range(.success): status = 200
            default: continue
            }
            guard best == nil || status < best!.0 else { continue }
            let resolved = try? spec.document.components.lookup(response)
            best = (
                status,
                resolved.flatMap { jsonContent($0.content)?.schema }.flatMap {
                    try? spec.document.components.lookup($0)
                }
            )
        }
        if best == nil, operation.operation.responses.contains(where: { $0.key.value == .default }) {
            best = (200, nil)
        }
        return best.map { ($0.0, $0.1) }
    }

    /// Up to three required keys of a success response object, for `expected_response_contains`.
    func expectedKeys(_ success: (status: Int, schema: JSONSchema?)) -> [String] {
        guard let schema = success.schema, let properties = sampler.properties(of: schema) else { return [] }
        return Array(properties.filter(\.required).map(\.name).prefix(3))
    }

    func parameterSchema(_ parameter: OpenAPI.Parameter) -> JSONSchema? {
        switch parameter.schemaOrContent {
        case .a(let context): return try? spec.document.components.lookup(context.schema)
        case .b(let content): return jsonContent(content)?.schema.flatMap { try? spec.document.components.lookup($0) }
        }
    }

    /// The `application/json` content (or any `…json` type) of a body or response.
    func jsonContent(_ content: OpenAPI.Content.Map) -> OpenAPI.Content? {
        let entry = content[.json] ?? content.first { $0.key.rawValue.hasSuffix("json") }?.value
        return entry.flatMap { try? spec.document.components.lookup($0) }
    }
}

/// A generator's operations, read from the spec once.
final class OperationCache: @unchecked Sendable {
    // @unchecked: operations hold OpenAPIKit values (not declared Sendable); under the lock.
    private let lock = NSLock()
    private var known: [PlanGenerator.Operation]?

    func operations() -> [PlanGenerator.Operation]? { lock.withLock { known } }
    func store(_ operations: [PlanGenerator.Operation]) { lock.withLock { known = operations } }
}
