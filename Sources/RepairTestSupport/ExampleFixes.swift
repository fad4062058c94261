import Foundation
import RepairKit

/// The fixes of the fixture apps' planted bugs, as (file, old text, new text): what a good LLM
/// answers. Shared by the tests and the benchmarks, which script the test LLM server with them.
/// Fixes for the example app's planted bugs, as (file, old text, new text).
public enum ShopFixes {
    public static let notFound = [
        (
            "shop/services.py",
            """
                row = database.fetch_one("SELECT * FROM products WHERE id = ?", (product_id,))
                product = Product(
            """,
            """
                row = database.fetch_one("SELECT * FROM products WHERE id = ?", (product_id,))
                if row is None:
                    raise NotFound(f"product {product_id} not found")
                product = Product(
            """
        ),
        (
            "shop/routes.py",
            """
            def get_product(request: Request) -> Response:
                return Response(200, services.get_product(request.path_params["product_id"]))
            """,
            """
            def get_product(request: Request) -> Response:
                try:
                    return Response(200, services.get_product(request.path_params["product_id"]))
                except services.NotFound as error:
                    return Response(404, {"detail": str(error)})
            """
        ),
    ]
    public static let keyError = [
        ("shop/services.py", "        name=payload[\"product_name\"],", "        name=payload[\"name\"],")
    ]
    public static let route = [
        (
            "shop/routes.py", "    router.add(\"GET\", \"/customers\", list_customers)\n",
            "    router.add(\"GET\", \"/customers\", list_customers)\n    router.add(\"GET\", \"/customers/{customer_id}\", get_customer)\n"
        )
    ]
    public static let validation = [
        (
            "shop/models.py",
            """
                        raise ValidationError(field, "is required")

            """,
            """
                        raise ValidationError(field, "is required")
                quantity = payload.get("quantity", 1)
                if not isinstance(quantity, int) or quantity < 1:
                    raise ValidationError("quantity", "must be an integer of at least 1")

            """
        )
    ]
    public static let created = [
        (
            "shop/routes.py", "    return Response(200, services.create_customer(payload))",
            "    return Response(201, services.create_customer(payload))"
        )
    ]

    /// Each planted bug's fix with the failure a prompt about it names ("Failure: crash on
    /// POST /products"), so the scripted server answers every group with its own fix whatever
    /// order the groups are asked in.
    public static let byFailure: [(failure: String, fix: [(String, String, String)])] = [
        ("Failure: crash on GET /products/{product_id}", notFound), ("Failure: crash on POST /products", keyError),
        ("Failure: route_missing on GET /customers/{customer_id}", route),
        ("Failure: missing_validation on POST /orders", validation),
        ("Failure: wrong_success_status on POST /customers", created),
    ]

    /// Scripted-server steps answering each of the example's groups with its fix (diffs against
    /// `app`), each after `delay` seconds.
    public static func answersByFailure(in app: URL, delay: Double = 0) throws -> [[String: Any]] {
        try byFailure.map { ["match": $0.failure, "content": try diff($0.fix, in: app), "delay": delay] }
    }

    /// The fix as a unified diff against the app's files, the way an LLM would answer. Throws
    /// when the app no longer holds the text the fix replaces.
    public static func diff(_ fix: [(String, String, String)], in app: URL, lineOffset: Int = 0) throws -> String {
        var answer = "Here is the fix:\n\n```diff\n"
        for (path, old, new) in fix {
            let text = try String(contentsOf: app.appendingPathComponent(path), encoding: .utf8)
            guard text.contains(old) else {
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path])
            }
            var diff = UnifiedDiff.make(path: path, old: text, new: text.replacingOccurrences(of: old, with: new))
            if lineOffset != 0 {
                diff = diff.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                    guard line.hasPrefix("@@ -"), let start = Int(line.dropFirst(4).prefix { $0.isNumber }) else {
                        return String(line)
                    }
                    return "@@ -\(start + lineOffset)" + line.dropFirst(4).drop { $0.isNumber }
                }.joined(separator: "\n")
            }
            answer += diff
        }
        return answer + "```\n"
    }

    /// A fix for the KeyError that also breaks listing products: what the verdict must roll
    /// back, and the GRAVEYARD must remember.
    public static let breakingListing = """
        shop/services.py
        <<<<<<< SEARCH
                name=payload["product_name"],
        =======
                name=payload["name"],
        >>>>>>> REPLACE

        shop/services.py
        <<<<<<< SEARCH
            return [Product(**row).to_dict() for row in database.fetch_all("SELECT * FROM products ORDER BY name")]
        =======
            return [Product(**row).to_dict() for row in database.fetch_all("SELECT * FROM missing_table")]
        >>>>>>> REPLACE
        """

    public static func searchReplace(_ fix: [(String, String, String)]) -> String {
        fix.map { "\($0.0)\n```python\n<<<<<<< SEARCH\n\($0.1)\n=======\n\($0.2)\n>>>>>>> REPLACE\n```\n" }.joined(
            separator: "\n")
    }
}

/// Fixes for the Node notes app's planted bugs.
public enum NotesFixes {
    public static let missing = [
        (
            "src/notes-controller.js",
            """
                const note = store.find(req.params.id);
                res.json(200, { ...summarize(note), body: note.body });
            """,
            """
                const note = store.find(req.params.id);
                if (!note) {
                  res.json(404, { error: 'not found' });
                  return;
                }
                res.json(200, { ...summarize(note), body: note.body });
            """
        )
    ]
    public static let patchRoute = [
        (
            "src/router.js", "  return { get: add('GET'), post: add('POST'), delete: add('DELETE'), handle };",
            "  return { get: add('GET'), post: add('POST'), patch: add('PATCH'), delete: add('DELETE'), handle };"
        ),
        (
            "server.js", "router.post('/notes', notes.create);\n",
            "router.post('/notes', notes.create);\nrouter.patch('/notes/:id', notes.update);\n"
        ),
        (
            "src/notes-controller.js", "  remove(req, res) {\n",
            """
              update(req, res) {
                const note = store.find(req.params.id);
                if (!note) {
                  res.json(404, { error: 'not found' });
                  return;
                }
                const updated = { ...note, ...req.body, id: note.id };
                store.replaceAll(store.all().map((item) => (item.id === note.id ? updated : item)));
                res.json(200, updated);
              },
              remove(req, res) {

            """
        ),
    ]
    public static let created = [
        (
            "src/notes-controller.js", "    res.json(200, store.insert({ title, body: body || '' }));",
            "    res.json(201, store.insert({ title, body: body || '' }));"
        )
    ]
}
