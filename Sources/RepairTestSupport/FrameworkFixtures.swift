/// The framework fixture apps, each run on its real server, and what their planted 5xx bugs
/// raise: for each scenario answered 500, a piece of the message its own bug's trace carries.
/// Shared by the correlation tests and the correlation benchmark.
public struct FrameworkFixture: Sendable {
    /// The folder under `Tests/Fixtures/apps`.
    public var name: String
    /// What serves it, for reports: "FastAPI + SQLAlchemy under uvicorn".
    public var stack: String
    /// Ways of starting it that print differently, by label; nil keeps the app's own command.
    public var starts: [(label: String, command: String?)]
    public var causes: [String: String]

    public static let fastAPI = FrameworkFixture(
        name: "library-fastapi", stack: "FastAPI + SQLAlchemy under uvicorn",
        starts: [
            ("access line before the trace", nil),
            ("no access log", "exec python -m uvicorn app.main:app --host 127.0.0.1 --port $PORT --no-access-log"),
            (
                "JSON logs",
                "exec python -m uvicorn app.main:app --host 127.0.0.1 --port $PORT --log-config logging.json"
            ),
        ],
        causes: [
            "create_book": "'BookCreate' object has no attribute 'genre'",
            "create_member_duplicate_email": "UNIQUE constraint failed: members.email",
            "get_member": "'Member' object has no attribute 'full_name'",
            "create_loan": "type object 'Loan' has no attribute 'member'",
            "create_loan_zero_days": "type object 'Loan' has no attribute 'member'",
            "get_loan_not_found": "'NoneType' object has no attribute 'returned_on'",
            "get_stats": "can't be used in 'await' expression",
        ])

    public static let flask = FrameworkFixture(
        name: "projects-flask", stack: "Flask + blueprints under gunicorn, 2 workers",
        starts: [("error line before, access line after", nil)],
        causes: [
            "create_user_duplicate_email": "UNIQUE constraint failed: users.email",
            "get_user": "'User' object has no attribute 'mail'",
            "delete_project": "type object 'Task' has no attribute 'due'",
            "list_project_tasks": "type object 'Task' has no attribute 'due'",
            "get_task_not_found": "'NoneType' object has no attribute 'to_dict'",
        ])

    public static let django = FrameworkFixture(
        name: "clinic-django", stack: "Django on its own server",
        starts: [("path-only error line before, access line after", nil)],
        causes: [
            "create_patient_duplicate_email": "UNIQUE constraint failed: clinic_patient.email",
            "get_patient": "'Patient' object has no attribute 'birthdate'",
            "get_doctor_not_found": "'NoneType' object has no attribute 'to_dict'",
            "list_appointments_by_doctor": "Cannot resolve keyword 'start' into field",
        ])

    public static let express = FrameworkFixture(
        name: "events-express", stack: "Express with mounted routers, morgan",
        starts: [("access line after the trace", nil)],
        causes: [
            "get_venue_not_found": "reading 'id'",
            "list_events_by_venue": "reading 'localeCompare'",
            "create_attendee_duplicate_email": "UNIQUE constraint failed: attendees.email",
            "get_attendee": "reading 'trim'",
        ])

    public static let all = [fastAPI, flask, django, express]
}
