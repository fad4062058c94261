"""Routes for /users."""
from flask import Blueprint, jsonify, request

from app.services import users as service

users_bp = Blueprint("users", __name__, url_prefix="/users")


@users_bp.get("")
def list_users():
    return jsonify(service.list_users())


@users_bp.post("")
def create_user():
    return jsonify(service.create_user(request.get_json(silent=True))), 201


@users_bp.get("/<user_id>")
def get_user(user_id):
    return jsonify(service.get_user(user_id))


@users_bp.get("/<user_id>/task")
def list_user_tasks(user_id):
    return jsonify(service.tasks_of_user(user_id))
