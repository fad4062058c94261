"""Projects API — generated Flask service: users, projects, tasks, comments."""
from flask import Flask, jsonify

from app.database import db_session, init_db
from app.routes.projects import projects_bp
from app.routes.tasks import tasks_bp
from app.routes.users import users_bp
from app.schemas import ValidationError
from app.services import tasks as task_service


def create_app() -> Flask:
    app = Flask(__name__)
    init_db()
    app.register_blueprint(users_bp)
    app.register_blueprint(projects_bp, url_prefix="/projects")
    app.register_blueprint(tasks_bp)

    @app.errorhandler(ValidationError)
    def invalid(error: ValidationError):
        return jsonify({"field": error.field, "detail": error.problem}), 422

    @app.teardown_appcontext
    def remove_session(exception=None):
        db_session.remove()

    @app.get("/health")
    def health():
        return jsonify({"status": "ok"})

    @app.get("/stats")
    def stats():
        return jsonify(task_service.stats())

    return app
