"""Validation of request bodies."""
from datetime import date

STATUSES = ("open", "in_progress", "done")


class ValidationError(Exception):
    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def require(payload: dict, *fields: str) -> None:
    if not isinstance(payload, dict):
        raise ValidationError("body", "must be a JSON object")
    for field in fields:
        if payload.get(field) in (None, ""):
            raise ValidationError(field, "is required")


def validate_user(payload: dict) -> dict:
    require(payload, "name", "email")
    if "@" not in payload["email"]:
        raise ValidationError("email", "must be an e-mail address")
    return {"name": payload["name"], "email": payload["email"].lower()}


def validate_project(payload: dict) -> dict:
    require(payload, "name", "owner_id")
    return {"name": payload["name"], "description": payload.get("description", ""), "owner_id": payload["owner_id"]}


def validate_task(payload: dict) -> dict:
    require(payload, "title")
    priority = payload.get("priority", 3)
    if not isinstance(priority, int):
        raise ValidationError("priority", "must be a whole number")
    due = payload.get("due_date")
    return {
        "title": payload["title"],
        "priority": priority,
        "due_date": date.fromisoformat(due) if due else None,
        "assignee_id": payload.get("assignee_id"),
    }


def validate_task_update(payload: dict) -> dict:
    if not isinstance(payload, dict):
        raise ValidationError("body", "must be a JSON object")
    changes = {key: payload[key] for key in ("title", "priority", "status") if key in payload}
    if "status" in changes and changes["status"] not in STATUSES:
        raise ValidationError("status", f"must be one of {', '.join(STATUSES)}")
    return changes


def validate_comment(payload: dict) -> dict:
    body = (payload.get("body") or "").strip()
    if not body:
        raise ValidationError("body", "is required")
    require(payload, "author_id")
    return {"author_id": payload["author_id"], "body": body}
