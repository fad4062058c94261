"""Routes for projects (registered under /projects by create_app)."""
from flask import Blueprint, jsonify, request

from app.services import projects as service

projects_bp = Blueprint("projects", __name__)


@projects_bp.route("", methods=["GET"])
def list_projects():
    return jsonify(service.list_projects())


@projects_bp.route("", methods=["POST"])
def create_project():
    return jsonify(service.create_project(request.get_json(silent=True)))


@projects_bp.route("/<project_id>", methods=["GET"])
def get_project(project_id):
    return jsonify(service.get_project(project_id))


@projects_bp.route("/<project_id>", methods=["POST"])
def update_project(project_id):
    return jsonify(service.update_project(project_id, request.get_json(silent=True)))


@projects_bp.route("/<project_id>", methods=["DELETE"])
def delete_project(project_id):
    service.delete_project(project_id)
    return "", 204


@projects_bp.route("/<project_id>/tasks", methods=["GET"])
def list_project_tasks(project_id):
    return jsonify(service.tasks_of_project(project_id))


@projects_bp.route("/<project_id>/tasks", methods=["POST"])
def create_task(project_id):
    return jsonify(service.add_task(project_id, request.get_json(silent=True))), 201
