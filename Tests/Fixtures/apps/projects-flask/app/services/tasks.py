"""Business rules for tasks: updates, completion, assignment and comments."""
from werkzeug.exceptions import Conflict, NotFound

from app import schemas
from app.models import Comment
from app.repositories import tasks as repository
from app.repositories import users as user_repository


def list_tasks(status: str | None = None) -> list[dict]:
    return [task.to_dict() for task in repository.list_all(status)]


def find_task(task_id: str):
    task = repository.get(task_id)
    if task is None:
        raise NotFound(f"task {task_id} not found")
    return task


def get_task(task_id: str) -> dict:
    task = repository.get(task_id)
    return task.to_dict()


def update_task(task_id: str, payload: dict) -> dict:
    task = find_task(task_id)
    for name, value in schemas.validate_task_update(payload).items():
        setattr(task, name, value)
    return repository.save(task).to_dict()


def delete_task(task_id: str) -> None:
    repository.delete(find_task(task_id))


def complete_task(task_id: str) -> dict:
    task = find_task(task_id)
    task.status = "done"
    return repository.save(task).to_dict()


def assign_task(task_id: str, payload: dict) -> dict:
    task = find_task(task_id)
    schemas.require(payload, "user_id")
    if user_repository.get(payload["user_id"]) is None:
        raise NotFound("user not found")
    if task.status == "done":
        raise Conflict("a finished task cannot be assigned")
    task.assignee_id = payload["user_id"]
    return repository.save(task).to_dict()


def comments_of_task(task_id: str) -> list[dict]:
    find_task(task_id)
    return [comment.to_dict() for comment in repository.comments_of(task_id)]


def add_comment(task_id: str, payload: dict) -> dict:
    find_task(task_id)
    fields = schemas.validate_comment(payload)
    return repository.add_comment(Comment(task_id=task_id, **fields)).to_dict()


def stats() -> dict:
    counts = repository.count_by_status()
    return {"open": counts.get("open", 0), "in_progress": counts.get("in_progress", 0), "done": counts.get("done", 0)}
