"""Validation of request bodies."""
import json
from datetime import date, datetime


class ValidationError(Exception):
    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def body(request) -> dict:
    text = request.body.decode("utf-8") if request.body else "{}"
    try:
        payload = json.loads(text)
    except ValueError:
        raise ValidationError("body", "is not JSON")
    if not isinstance(payload, dict):
        raise ValidationError("body", "must be a JSON object")
    return payload


def required(payload: dict, *fields: str) -> None:
    for field in fields:
        if payload.get(field) in (None, ""):
            raise ValidationError(field, "is required")


def patient_fields(payload: dict) -> dict:
    required(payload, "name", "email")
    if "@" not in payload["email"]:
        raise ValidationError("email", "must be an e-mail address")
    born = payload.get("date_of_birth")
    return {"name": payload["name"], "email": payload["email"].lower(),
            "date_of_birth": date.fromisoformat(born) if born else None}


def doctor_fields(payload: dict) -> dict:
    required(payload, "name", "specialty")
    return {"name": payload["name"], "specialty": payload["specialty"]}


def appointment_fields(payload: dict) -> dict:
    required(payload, "patient_id", "doctor_id", "starts_at")
    try:
        starts_at = datetime.fromisoformat(payload["starts_at"])
    except ValueError:
        raise ValidationError("starts_at", "must be a date and time")
    duration = payload.get("duration_minutes", 30)
    if not isinstance(duration, int):
        raise ValidationError("duration_minutes", "must be a whole number")
    return {"patient_id": payload["patient_id"], "doctor_id": payload["doctor_id"], "starts_at": starts_at,
            "duration_minutes": duration}
