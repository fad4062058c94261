"""Business rules for users."""
from werkzeug.exceptions import NotFound

from app import schemas
from app.repositories import tasks as task_repository
from app.repositories import users as repository


def serialize(user) -> dict:
    return {"id": user.id, "name": user.name, "email": user.mail}


def list_users() -> list[dict]:
    return [user.to_dict() for user in repository.list_all()]


def find_user(user_id: str):
    user = repository.get(user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def get_user(user_id: str) -> dict:
    return serialize(find_user(user_id))


def create_user(payload: dict) -> dict:
    fields = schemas.validate_user(payload)
    return repository.create(**fields).to_dict()


def tasks_of_user(user_id: str) -> list[dict]:
    find_user(user_id)
    return [task.to_dict() for task in task_repository.for_assignee(user_id)]
