"""Routes for /tasks."""
from flask import Blueprint, jsonify, request

from app.services import tasks as service

tasks_bp = Blueprint("tasks", __name__, url_prefix="/tasks")


@tasks_bp.get("")
def list_tasks():
    return jsonify(service.list_tasks(request.args.get("status")))


@tasks_bp.get("/<task_id>")
def get_task(task_id):
    return jsonify(service.get_task(task_id))


@tasks_bp.patch("/<task_id>")
def update_task(task_id):
    return jsonify(service.update_task(task_id, request.get_json(silent=True)))


@tasks_bp.delete("/<task_id>")
def delete_task(task_id):
    service.delete_task(task_id)
    return "", 204


@tasks_bp.post("/<task_id>/complete")
def complete_task(task_id):
    return jsonify(service.complete_task(task_id))


@tasks_bp.post("/<task_id>/assign")
def assign_task(task_id):
    return jsonify(service.assign_task(task_id, request.get_json(silent=True)))


@tasks_bp.get("/<task_id>/comments")
def list_comments(task_id):
    return jsonify(service.comments_of_task(task_id))


@tasks_bp.post("/<task_id>/comments")
def add_comment(task_id):
    return jsonify(service.add_comment(task_id, request.get_json(silent=True))), 201
