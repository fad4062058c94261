import Foundation
import OpenAPIKit

/// How a generated plan sends a spec's security schemes: each as a header, a query parameter or
/// a cookie whose value comes from an environment variable named after the scheme.
extension PlanGenerator {
    struct Credential: Equatable {
        enum Place: Equatable { case header, query }
        var place: Place
        /// The header (`Authorization`, `X-Api-Key`, `Cookie`) or the query parameter.
        var name: String
        /// `Bearer ${HTTP_BEARER_TOKEN}`, `${API_KEY}`, `session=${SESSION}`.
        var value: String
        /// The scheme's name in the spec, and the variable read.
        var scheme: String
        var variable: String
        /// `http bearer`, `apiKey in header`: for notes.
        var kind: String
        /// For an OAuth 2 password flow: the token URL's path, where a setup step logs in with
        /// `${…_USERNAME}` and `${…_PASSWORD}` and captures the token into `variable`.
        var tokenPath: String? = nil
    }

    /// The credentials `operation` needs: those of its first security requirement (its own, or
    /// the document's). None when it needs none, or when one requirement is empty (optional).
    func credentials(for operation: Operation) -> [Credential] {
        let requirements = operation.operation.security ?? spec.document.security
        guard let first = requirements.first, !requirements.contains(where: \.isEmpty) else { return [] }
        return first.keys.compactMap { reference -> Credential? in
            guard let name = reference.name, let scheme = try? spec.document.components.lookup(reference) else {
                return nil
            }
            return Self.credential(scheme.type, named: name)
        }.sorted { $0.scheme < $1.scheme }
    }

    static func credential(_ type: OpenAPI.SecurityScheme.SecurityType, named scheme: String) -> Credential? {
        let base = environmentName(scheme)
        switch type {
        case .apiKey(let name, let location):
            switch location {
            case .header:
                return Credential(
                    place: .header, name: name, value: "${\(base)}", scheme: scheme, variable: base,
                    kind: "apiKey in header")
            case .query:
                return Credential(
                    place: .query, name: name, value: "${\(base)}", scheme: scheme, variable: base,
                    kind: "apiKey in query")
            case .cookie:
                return Credential(
                    place: .header, name: "Cookie", value: "\(name)=${\(base)}", scheme: scheme, variable: base,
                    kind: "apiKey in cookie")
            }
        case .http(let httpScheme, _):
            if httpScheme.lowercased() == "basic" {
                let variable = base + "_CREDENTIALS"
                return Credential(
                    place: .header, name: "Authorization", value: "Basic ${\(variable)}", scheme: scheme,
                    variable: variable, kind: "http basic (base64 of user:password)")
            }
            let variable = base + "_TOKEN"
            return Credential(
                place: .header, name: "Authorization", value: "Bearer ${\(variable)}", scheme: scheme,
                variable: variable, kind: "http \(httpScheme.lowercased())")
        case .oauth2(let flows, _):
            let variable = base + "_TOKEN"
            var credential = Credential(
                place: .header, name: "Authorization", value: "Bearer ${\(variable)}", scheme: scheme,
                variable: variable, kind: "an OAuth 2 access token")
            if let url = flows.password?.tokenUrl {
                let path = url.path.isEmpty ? "/" : (url.path.hasPrefix("/") ? url.path : "/" + url.path)
                credential.tokenPath = path
                credential.kind = "an OAuth 2 password flow: the plan logs in at POST \(path)"
            }
            return credential
        case .openIdConnect:
            let variable = base + "_TOKEN"
            return Credential(
                place: .header, name: "Authorization", value: "Bearer ${\(variable)}", scheme: scheme,
                variable: variable, kind: "an OAuth 2 / OpenID Connect access token")
        case .mutualTLS:
            return nil
        }
    }

    /// `HTTPBearer` → `HTTP_BEARER`, `api_key` → `API_KEY`, `petstore-auth` → `PETSTORE_AUTH`.
    static func environmentName(_ scheme: String) -> String {
        var words: [String] = []
        var current = ""
        let characters = Array(scheme)
        for (position, character) in characters.enumerated() {
            guard character.isLetter || character.isNumber else {
                if !current.isEmpty { words.append(current) }
                current = ""
                continue
            }
            let next = position + 1 < characters.count ? characters[position + 1] : nil
            // A capital starts a word after a small letter or a digit (`apiKey`, `OAuth2Password`),
            // or ends an acronym before a word (`HTTPBearer`), but not after one capital (`OAuth`).
            let startsWord =
                character.isUppercase && !current.isEmpty
                && (current.last!.isLowercase || current.last!.isNumber
                    || (next?.isLowercase == true && current.count > 1))
            if startsWord {
                words.append(current)
                current = ""
            }
            current.append(character)
        }
        if !current.isEmpty { words.append(current) }
        let name = words.joined(separator: "_").uppercased()
        return name.first?.isNumber == true ? "_" + name : (name.isEmpty ? "API_CREDENTIAL" : name)
    }

    /// The plan with credentials: plan-wide headers for every header credential, query
    /// credentials on the scenarios of the operations that need them, and per secured
    /// operation an `unauthorized` scenario without them expecting 401 or 403. Version 2 when
    /// any operation is secured; the plan as it was otherwise.
    func secured(_ plan: SmokePlan, operations: [Operation], entities: [String: Entity]) -> SmokePlan {
        var byEndpoint: [Endpoint: [Credential]] = [:]
        for operation in operations {
            let needed = credentials(for: operation)
            if !needed.isEmpty { byEndpoint[operation.endpoint] = needed }
        }
        guard !byEndpoint.isEmpty else { return plan }
        var plan = plan
        plan.version = 2
        for operation in operations {
            for credential in byEndpoint[operation.endpoint] ?? []
            where credential.place == .header && plan.headers[credential.name] == nil {
                plan.headers[credential.name] = credential.value
                if let path = credential.tokenPath { plan.setup.append(Self.logIn(at: path, for: credential)) }
            }
        }
        // Every login's happy path (the token URL's, and any other body with a username and a
        // password) logs in with the credentials the setup step uses.
        if case .object(let login)? = plan.setup.first?.payload {
            for index in plan.scenarios.indices where plan.scenarios[index].name == "happy_path" {
                guard case .object(var members)? = plan.scenarios[index].payload, members["username"] != nil,
                    members["password"] != nil
                else { continue }
                for field in ["username", "password"] { members[field] = login[field] }
                plan.scenarios[index].payload = .object(members)
            }
        }
        var absentTarget: [Endpoint: (parameter: String, entity: String)] = [:]
        for operation in operations {
            if let last = operation.pathEntities.last { absentTarget[operation.endpoint] = last }
        }
        var scenarios: [Scenario] = []
        for var scenario in plan.scenarios {
            let needed = byEndpoint[scenario.endpoint] ?? []
            for credential in needed where credential.place == .query {
                scenario.queryParams[credential.name] = .string(credential.value)
            }
            scenarios.append(scenario)
            guard scenario.name == "happy_path", !needed.isEmpty else { continue }
            var anonymous = scenario
            anonymous.name = "unauthorized"
            anonymous.description =
                "\(scenario.endpoint): no credentials (\(needed.map(\.scheme).joined(separator: ", ")))"
            anonymous.expectedStatus = [401, 403]
            anonymous.expectedResponseContains = []
            for credential in needed {
                switch credential.place {
                case .header: anonymous.headers[credential.name] = .some(nil)
                case .query: anonymous.queryParams.removeValue(forKey: credential.name)
                }
            }
            // An absent id: an app that forgets the check must not change a seeded entity.
            if let (parameter, name) = absentTarget[scenario.endpoint], let entity = entities[name] {
                anonymous.pathParams[parameter] = entity.absentID
            }
            scenarios.append(anonymous)
        }
        plan.scenarios = scenarios
        return plan
    }

    /// The setup step of an OAuth 2 password flow: a form with the user and password from the
    /// environment, the token captured for every request after it.
    static func logIn(at path: String, for credential: Credential) -> Scenario {
        let base = String(credential.variable.dropLast("_TOKEN".count))
        var step = Scenario(
            index: 0, endpoint: Endpoint("POST \(path)") ?? Endpoint("POST /token")!, name: "log_in",
            description: "Logs in with the \(credential.scheme) password flow",
            payload: .object([
                "grant_type": .string("password"), "username": .string("${\(base)_USERNAME}"),
                "password": .string("${\(base)_PASSWORD}"),
            ]), expectedStatus: [200])
        step.isSetup = true
        step.payloadEncoding = .form
        step.headers[credential.name] = .some(nil)
        step.capture = [credential.variable: "access_token"]
        return step
    }

    /// What a run of the generated plan reads from the environment, one line per variable.
    public func credentialNotes() -> [String] {
        var seen = Set<String>()
        var notes: [String] = []
        for operation in operations() {
            for credential in credentials(for: operation) where seen.insert(credential.variable).inserted {
                if let path = credential.tokenPath {
                    let base = String(credential.variable.dropLast("_TOKEN".count))
                    notes.append(
                        "the plan logs in at POST \(path) (the \(credential.scheme) password flow) with ${\(base)_USERNAME} and ${\(base)_PASSWORD} from the environment; set them before a run"
                    )
                    continue
                }
                notes.append(
                    "the plan reads ${\(credential.variable)} from the environment for the \(credential.scheme) scheme (\(credential.kind)); set it before a run"
                )
            }
        }
        return notes
    }
}
