"""Business rules for projects and their tasks."""
from werkzeug.exceptions import Conflict, NotFound

from app import schemas
from app.models import Task
from app.repositories import projects as repository
from app.repositories import tasks as task_repository
from app.repositories import users as user_repository


def list_projects() -> list[dict]:
    return [project.to_dict() for project in repository.list_all()]


def find_project(project_id: str):
    project = repository.get(project_id)
    if project is None:
        raise NotFound(f"project {project_id} not found")
    return project


def get_project(project_id: str) -> dict:
    return find_project(project_id).to_dict()


def create_project(payload: dict) -> dict:
    fields = schemas.validate_project(payload)
    if user_repository.get(fields["owner_id"]) is None:
        raise NotFound("owner not found")
    return repository.create(**fields).to_dict()


def update_project(project_id: str, payload: dict) -> dict:
    project = find_project(project_id)
    fields = schemas.validate_project(payload)
    return repository.update(project, **fields).to_dict()


def delete_project(project_id: str) -> None:
    project = find_project(project_id)
    if task_repository.for_project(project_id):
        raise Conflict("project still has tasks")
    repository.delete(project)


def tasks_of_project(project_id: str) -> list[dict]:
    find_project(project_id)
    return [task.to_dict() for task in task_repository.for_project(project_id)]


def add_task(project_id: str, payload: dict) -> dict:
    find_project(project_id)
    fields = schemas.validate_task(payload)
    return task_repository.save(Task(project_id=project_id, **fields)).to_dict()
