import Foundation
import RepairKit

/// A planted bug's fix in a framework fixture app, as a good LLM would answer it: the group it
/// answers (`match`, a text of that group's prompt), the file, the text replaced and its
/// replacement.
public struct PlantedFix: Sendable {
    public var bug: String
    public var match: String
    public var file: String
    /// Replacements in the file, each (old text, new text).
    public var edits: [(old: String, new: String)]

    public init(bug: String, match: String, file: String, old: String, new: String) {
        self.init(bug: bug, match: match, file: file, edits: [(old, new)])
    }

    public init(bug: String, match: String, file: String, edits: [(old: String, new: String)]) {
        self.bug = bug
        self.match = match
        self.file = file
        self.edits = edits
    }

    /// What the prompt must show before the scripted LLM answers with this fix: the file's
    /// name and every line that changes.
    public var requires: [String] {
        [file]
            + edits.flatMap { $0.old.split(separator: "\n") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            }
    }

    /// The fix as one unified diff against the app's file, the way an LLM answers.
    public func diff(in app: URL) throws -> String {
        let text = try String(contentsOf: app.appendingPathComponent(file), encoding: .utf8)
        var changed = text
        for edit in edits {
            guard changed.contains(edit.old) else {
                throw CocoaError(
                    .fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "\(file) no longer holds: \(edit.old)"])
            }
            changed = changed.replacingOccurrences(of: edit.old, with: edit.new)
        }
        return "Here is the fix:\n\n```diff\n" + UnifiedDiff.make(path: file, old: text, new: changed) + "```\n"
    }

    /// Scripted LLM steps answering each fix only when its prompt shows the evidence, and
    /// prose with no edit to anything else.
    public static func script(_ fixes: [PlantedFix], in app: URL) throws -> [[String: Any]] {
        var steps: [[String: Any]] = try fixes.map { fix in
            ["match": fix.match, "requires": fix.requires, "content": try fix.diff(in: app)]
        }
        steps.append(["default": true, "content": "I cannot tell which change would fix this."])
        return steps
    }
}

/// The planted bugs of `Tests/Fixtures/apps/library-fastapi`, one fix each.
public enum LibraryFastAPIFixes {
    public static var bugs: Int { all.count }

    public static let all: [PlantedFix] = [
        PlantedFix(
            bug: "schema missing a field (fix site in another file)", match: "on POST /books, status 500",
            file: "app/schemas.py",
            old: "    isbn: str = Field(min_length=10, max_length=20)\n    copies: int = Field(default=1, ge=1)\n",
            new:
                "    isbn: str = Field(min_length=10, max_length=20)\n    genre: str | None = None\n    copies: int = Field(default=1, ge=1)\n"
        ),
        PlantedFix(
            bug: "missing None check, two frames deep", match: "on GET /loans/{loan_id}, status 500",
            file: "app/services/loans.py",
            old: "    loan = repository.get(db, loan_id)\n    return describe(loan)\n",
            new: "    loan = find_loan(db, loan_id)\n    return describe(loan)\n"),
        PlantedFix(
            bug: "wrong field name", match: "on GET /members/{member_id}, status 500", file: "app/services/members.py",
            old: "name=member.full_name,", new: "name=member.name,"),
        PlantedFix(
            bug: "wrong method behind a router prefix", match: "on PUT /members/{member_id}, status 405",
            file: "app/routers/members.py",
            old: "@router.patch(\"/{member_id}\", response_model=MemberOut)",
            new: "@router.put(\"/{member_id}\", response_model=MemberOut)"),
        PlantedFix(
            bug: "wrong path behind a router prefix", match: "on GET /authors/{author_id}/books, status 404",
            file: "app/routers/authors.py",
            old: "@router.get(\"/{author_id}/book\", response_model=list[BookOut])",
            new: "@router.get(\"/{author_id}/books\", response_model=list[BookOut])"),
        PlantedFix(
            bug: "wrong success status", match: "on POST /authors, status 200", file: "app/routers/authors.py",
            old: "@router.post(\"\", response_model=AuthorOut)\n",
            new: "@router.post(\"\", response_model=AuthorOut, status_code=201)\n"),
        PlantedFix(
            bug: "missing validation (fix site in the schema)", match: "on POST /loans, status 201",
            file: "app/schemas.py",
            old: "    member_id: str\n    days: int = 14\n",
            new: "    member_id: str\n    days: int = Field(default=14, ge=1, le=60)\n"),
        PlantedFix(
            bug: "unique constraint surfacing as 500", match: "on POST /members, status 500",
            file: "app/repositories/members.py",
            edits: [
                (
                    "from sqlalchemy import select\n",
                    "from fastapi import HTTPException\nfrom sqlalchemy import select\nfrom sqlalchemy.exc import IntegrityError\n"
                ),
                (
                    "    member = Member(**fields)\n    db.add(member)\n    db.commit()\n",
                    """
                        member = Member(**fields)
                        db.add(member)
                        try:
                            db.commit()
                        except IntegrityError:
                            db.rollback()
                            raise HTTPException(status_code=409, detail="e-mail already registered")

                    """
                ),
            ]),
        PlantedFix(
            bug: "illegal state transition", match: "on POST /loans/{loan_id}/return, status 200",
            file: "app/services/loans.py",
            old: "    loan = find_loan(db, loan_id)\n    loan.returned_on = date.today()\n",
            new: """
                    loan = find_loan(db, loan_id)
                    if loan.returned_on is not None:
                        raise HTTPException(status_code=409, detail="loan was already returned")
                    loan.returned_on = date.today()

                """),
        PlantedFix(
            bug: "bug three frames deep in a repository", match: "on POST /loans, status 500",
            file: "app/repositories/loans.py",
            old: "where(Loan.member == member_id,", new: "where(Loan.member_id == member_id,"),
        PlantedFix(
            bug: "async handler awaiting a plain function", match: "on GET /stats, status 500",
            file: "app/routers/stats.py",
            old: "    return await service.collect(db)", new: "    return service.collect(db)"),
    ]
}

/// The planted bugs of `Tests/Fixtures/apps/projects-flask`, one fix each (the repository bug
/// breaks two routes; each group's prompt shows it, so each is answered with the same fix).
public enum ProjectsFlaskFixes {
    static let orderByDue = (old: "order_by(Task.due, Task.title)", new: "order_by(Task.due_date, Task.title)")

    public static let bugs = 9

    public static let all: [PlantedFix] = [
        PlantedFix(
            bug: "wrong field name", match: "on GET /users/{user_id}, status 500", file: "app/services/users.py",
            old: "\"email\": user.mail}", new: "\"email\": user.email}"),
        PlantedFix(
            bug: "missing None check", match: "on GET /tasks/{task_id}, status 500", file: "app/services/tasks.py",
            old: "    task = repository.get(task_id)\n    return task.to_dict()\n",
            new: "    return find_task(task_id).to_dict()\n"),
        PlantedFix(
            bug: "wrong method behind a blueprint prefix", match: "on PUT /projects/{project_id}, status 405",
            file: "app/routes/projects.py",
            old: "@projects_bp.route(\"/<project_id>\", methods=[\"POST\"])",
            new: "@projects_bp.route(\"/<project_id>\", methods=[\"PUT\"])"),
        PlantedFix(
            bug: "wrong path behind a blueprint prefix", match: "on GET /users/{user_id}/tasks, status 404",
            file: "app/routes/users.py",
            old: "@users_bp.get(\"/<user_id>/task\")", new: "@users_bp.get(\"/<user_id>/tasks\")"),
        PlantedFix(
            bug: "wrong success status", match: "on POST /projects, status 200", file: "app/routes/projects.py",
            old: "    return jsonify(service.create_project(request.get_json(silent=True)))\n",
            new: "    return jsonify(service.create_project(request.get_json(silent=True))), 201\n"),
        PlantedFix(
            bug: "missing validation (fix site in the schema module)",
            match: "on POST /projects/{project_id}/tasks, status 201",
            file: "app/schemas.py",
            old: "        raise ValidationError(\"priority\", \"must be a whole number\")\n",
            new: """
                        raise ValidationError("priority", "must be a whole number")
                    if not 1 <= priority <= 5:
                        raise ValidationError("priority", "must be between 1 and 5")

                """),
        PlantedFix(
            bug: "unique constraint surfacing as 500", match: "on POST /users, status 500",
            file: "app/repositories/users.py",
            edits: [
                (
                    "from sqlalchemy import select\n",
                    "from sqlalchemy import select\nfrom sqlalchemy.exc import IntegrityError\nfrom werkzeug.exceptions import Conflict\n"
                ),
                (
                    "    db_session.add(user)\n    db_session.commit()\n",
                    """
                        db_session.add(user)
                        try:
                            db_session.commit()
                        except IntegrityError:
                            db_session.rollback()
                            raise Conflict("e-mail already registered")

                    """
                ),
            ]),
        PlantedFix(
            bug: "illegal state transition", match: "on POST /tasks/{task_id}/complete, status 200",
            file: "app/services/tasks.py",
            old: "    task = find_task(task_id)\n    task.status = \"done\"\n",
            new: """
                    task = find_task(task_id)
                    if task.status == "done":
                        raise Conflict("task is already done")
                    task.status = "done"

                """),
        PlantedFix(
            bug: "bug three frames deep in a repository", match: "on GET /projects/{project_id}/tasks, status 500",
            file: "app/repositories/tasks.py", old: orderByDue.old, new: orderByDue.new),
        PlantedFix(
            bug: "the same repository bug, met by another route", match: "on DELETE /projects/{project_id}, status 500",
            file: "app/repositories/tasks.py", old: orderByDue.old, new: orderByDue.new),
    ]
}

/// The planted bugs of `Tests/Fixtures/apps/events-express`, one fix each.
public enum EventsExpressFixes {
    public static var bugs: Int { all.count }

    public static let all: [PlantedFix] = [
        PlantedFix(
            bug: "missing undefined check, two frames deep", match: "on GET /venues/{id}, status 500",
            file: "src/services/venues.js",
            old: "  const venue = await repository.findById(id);\n  return toResponse(venue);\n",
            new: "  return toResponse(await findVenue(id));\n"),
        PlantedFix(
            bug: "bug deep in a repository", match: "on GET /events, status 500", file: "src/repositories/events.js",
            old: "a.starts.localeCompare(b.starts)", new: "a.startsAt.localeCompare(b.startsAt)"),
        PlantedFix(
            bug: "unique constraint surfacing as 500 (the trace stops in the database module)",
            match: "on POST /attendees, status 500", file: "src/services/attendees.js",
            edits: [
                (
                    "const { notFound } = require('../errors');\n",
                    "const { notFound, conflict } = require('../errors');\nconst { ConstraintError } = require('../db');\n"
                ),
                (
                    "  return repository.create(validateAttendee(body));\n",
                    """
                      try {
                        return await repository.create(validateAttendee(body));
                      } catch (error) {
                        if (error instanceof ConstraintError) throw conflict('e-mail already registered');
                        throw error;
                      }

                    """
                ),
            ]),
        PlantedFix(
            bug: "wrong field name", match: "on GET /attendees/{id}, status 500", file: "src/services/attendees.js",
            old: "name: attendee.fullName.trim()", new: "name: attendee.name.trim()"),
        PlantedFix(
            bug: "wrong method behind a mount", match: "on PUT /venues/{id}, status 404", file: "src/routes/venues.js",
            old: "router.patch('/:id', asyncHandler(async (req, res) => {",
            new: "router.put('/:id', asyncHandler(async (req, res) => {"),
        PlantedFix(
            bug: "wrong path behind a mount", match: "on GET /events/{id}/registrations, status 404",
            file: "src/routes/events.js",
            old: "router.get('/:id/registration', asyncHandler(async (req, res) => {",
            new: "router.get('/:id/registrations', asyncHandler(async (req, res) => {"),
        PlantedFix(
            bug: "async: a missing await", match: "on DELETE /events/{id}, status 204", file: "src/services/events.js",
            old:
                "  const event = repository.findById(id);\n  if (!event) throw notFound(`event ${id}`);\n  await repository.remove(id);\n",
            new: "  await findEvent(id);\n  await repository.remove(id);\n"),
        PlantedFix(
            bug: "illegal state transition", match: "on POST /events/{id}/publish, status 200",
            file: "src/services/events.js",
            old: "  await findEvent(id);\n  return repository.update(id, { status: 'published' });\n",
            new: """
                  const event = await findEvent(id);
                  if (event.status === 'cancelled') throw conflict('a cancelled event cannot be published');
                  return repository.update(id, { status: 'published' });

                """),
        PlantedFix(
            bug: "missing validation (fix site in the validation module)",
            match: "on POST /events/{id}/registrations, status 201",
            file: "src/validation.js",
            old: "  if (!Number.isInteger(seats)) throw invalid('seats must be a whole number');\n",
            new:
                "  if (!Number.isInteger(seats) || seats < 1) throw invalid('seats must be a whole number of at least 1');\n"
        ),
        PlantedFix(
            bug: "wrong success status", match: "on POST /attendees, status 200", file: "src/routes/attendees.js",
            old: "  res.json(await service.createAttendee(req.body));",
            new: "  res.status(201).json(await service.createAttendee(req.body));"),
    ]
}

/// The planted bugs of `Tests/Fixtures/apps/clinic-django`, one fix each.
public enum ClinicDjangoFixes {
    public static var bugs: Int { all.count }

    public static let all: [PlantedFix] = [
        PlantedFix(
            bug: "wrong field name", match: "on GET /patients/{pk}, status 500", file: "clinic/services.py",
            old: "patient.birthdate.isoformat() if patient.birthdate else None",
            new: "patient.date_of_birth.isoformat() if patient.date_of_birth else None"),
        PlantedFix(
            bug: "missing None check", match: "on GET /doctors/{pk}, status 500", file: "clinic/services.py",
            old: "    doctor = Doctor.objects.filter(pk=pk).first()\n    return doctor.to_dict()\n",
            new: "    return find_doctor(pk).to_dict()\n"),
        PlantedFix(
            bug: "wrong path in an include()d URL module", match: "on GET /doctors/{pk}/appointments, status 404",
            file: "clinic/urls/doctors.py",
            old: "path(\"/<uuid:pk>/appointment\", views.doctor_appointments),",
            new: "path(\"/<uuid:pk>/appointments\", views.doctor_appointments),"),
        PlantedFix(
            bug: "wrong method in the view's method list", match: "on PUT /patients/{pk}, status 405",
            file: "clinic/views.py",
            edits: [
                (
                    "@require_http_methods([\"GET\", \"PATCH\", \"DELETE\"])\ndef patient_detail(request, pk):\n",
                    "@require_http_methods([\"GET\", \"PUT\", \"DELETE\"])\ndef patient_detail(request, pk):\n"
                ),
                (
                    "    if request.method == \"PATCH\":\n        return JsonResponse(services.update_patient(",
                    "    if request.method == \"PUT\":\n        return JsonResponse(services.update_patient("
                ),
            ]),
        PlantedFix(
            bug: "wrong success status", match: "on POST /doctors, status 200", file: "clinic/views.py",
            old: "        return JsonResponse(services.create_doctor(validators.body(request)))\n",
            new: "        return JsonResponse(services.create_doctor(validators.body(request)), status=201)\n"),
        PlantedFix(
            bug: "missing validation (fix site in the validators module)", match: "on POST /appointments, status 201",
            file: "clinic/validators.py",
            old: "        raise ValidationError(\"duration_minutes\", \"must be a whole number\")\n",
            new: """
                        raise ValidationError("duration_minutes", "must be a whole number")
                    if duration < 1:
                        raise ValidationError("duration_minutes", "must be at least 1")

                """),
        PlantedFix(
            bug: "unique constraint surfacing as 500", match: "on POST /patients, status 500",
            file: "clinic/services.py",
            edits: [
                (
                    "from clinic import selectors, validators\n",
                    "from django.db import IntegrityError\n\nfrom clinic import selectors, validators\n"
                ),
                (
                    "    return Patient.objects.create(**validators.patient_fields(payload)).to_dict()\n",
                    """
                        try:
                            return Patient.objects.create(**validators.patient_fields(payload)).to_dict()
                        except IntegrityError:
                            raise Conflict("e-mail already registered")

                    """
                ),
            ]),
        PlantedFix(
            bug: "illegal state transition", match: "on POST /appointments/{pk}/cancel, status 200",
            file: "clinic/services.py",
            old: "    appointment = find_appointment(pk)\n    appointment.status = \"cancelled\"\n",
            new: """
                    appointment = find_appointment(pk)
                    if appointment.status != "scheduled":
                        raise Conflict("only a scheduled appointment can be cancelled")
                    appointment.status = "cancelled"

                """),
        PlantedFix(
            bug: "bug three frames deep in a query module", match: "on GET /appointments, status 500",
            file: "clinic/selectors.py",
            old: ".order_by(\"start\")", new: ".order_by(\"starts_at\")"),
    ]
}

/// The planted bugs of `Tests/Fixtures/apps/shop-fastapi`, reached only through its login
/// and the ids its plan captures.
public enum ShopFastAPIFixes {
    public static let all: [PlantedFix] = [
        PlantedFix(
            bug: "wrong field name, reached through a captured cart id",
            match: "on POST /carts/{cart_id}/items, status 500", file: "app/services/carts.py",
            old: "unit_price=product.unit_price)", new: "unit_price=product.price)"),
        PlantedFix(
            bug: "missing None check on an action", match: "on POST /orders/{order_id}/pay, status 500",
            file: "app/services/orders.py",
            old: "    order = repository.get(db, order_id)\n    if order.status != \"pending\":\n",
            new: "    order = find_order(db, order_id)\n    if order.status != \"pending\":\n"),
        routerAuth(match: "on GET /products, status 200"),
        // The same bug seen from another route: a good answer is the same change.
        routerAuth(match: "on POST /products, status 201"),
        PlantedFix(
            bug: "a business rule not enforced (empty cart checkout)",
            match: "on POST /carts/{cart_id}/checkout, status 201", file: "app/services/carts.py",
            old: "    cart = open_cart(db, cart_id)\n    total = sum(",
            new:
                "    cart = open_cart(db, cart_id)\n    if not cart.items:\n        raise HTTPException(status_code=409, detail=f\"cart {cart_id} is empty\")\n    total = sum("
        ),
    ]

    /// Planted bugs: the products router's missing auth is one bug behind two groups.
    public static var bugs: Int { all.count - 1 }

    /// The bugs only robustness and schema checks reach, fixed.
    public static let checked: [PlantedFix] = [
        PlantedFix(
            bug: "a create that is never committed", match: "not_readable_after_create on GET /customers/{customer_id}",
            file: "app/services/customers.py",
            old: "return repository.add(db, Customer(", new: "return repository.save(db, Customer("),
        PlantedFix(
            bug: "an envelope where the spec says a list", match: "schema_mismatch on GET /customers",
            file: "app/routers/customers.py",
            old: """
                @router.get("")
                def list_customers(db: Session = Depends(get_db)):
                    customers = service.list_customers(db)
                    return {"items": [CustomerOut.model_validate(customer) for customer in customers], "count": len(customers)}
                """,
            new: """
                @router.get("", response_model=list[CustomerOut])
                def list_customers(db: Session = Depends(get_db)):
                    return service.list_customers(db)
                """),
    ]

    /// Applies `fixes` to the app in `directory`, as a kept patch would.
    public static func apply(_ fixes: [PlantedFix], in directory: URL) throws {
        for fix in fixes {
            let url = directory.appendingPathComponent(fix.file)
            var text = try String(contentsOf: url, encoding: .utf8)
            for edit in fix.edits {
                if text.contains(edit.old) {
                    text = text.replacingOccurrences(of: edit.old, with: edit.new)
                } else if !text.contains(edit.new) {
                    throw CocoaError(
                        .fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "\(fix.file) lacks: \(edit.old)"])
                }
            }
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    static func routerAuth(match: String) -> PlantedFix {
        PlantedFix(
            bug: "a router without the auth dependency", match: match, file: "app/routers/products.py",
            edits: [
                (
                    "from app.services import products as service\n",
                    "from app.security import require_user\nfrom app.services import products as service\n"
                ),
                (
                    "router = APIRouter(tags=[\"products\"])\n",
                    "router = APIRouter(tags=[\"products\"], dependencies=[Depends(require_user)])\n"
                ),
            ])
    }
}

/// Bugs of `Tests/Fixtures/apps/events-express` that only robustness checks reach.
public enum EventsExpressRobustnessFixes {
    public static let all: [PlantedFix] = [
        PlantedFix(
            bug: "an optional field read as if present", match: "missing_field on POST /venues, status 500",
            file: "src/validation.js",
            old: "city: body.city.trim(),", new: "city: (body.city || '').trim(),"),
        PlantedFix(
            bug: "a unique name surfacing as 500", match: "duplicate_unique on POST /venues, status 500",
            file: "src/services/venues.js",
            edits: [
                (
                    "const { notFound, conflict } = require('../errors');\n",
                    "const { notFound, conflict } = require('../errors');\nconst { ConstraintError } = require('../db');\n"
                ),
                (
                    "  return toResponse(await repository.create(validateVenue(body)));\n",
                    """
                      try {
                        return toResponse(await repository.create(validateVenue(body)));
                      } catch (error) {
                        if (error instanceof ConstraintError) throw conflict('a venue of that name exists');
                        throw error;
                      }

                    """
                ),
            ]),
    ]
}
