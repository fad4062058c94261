"""Data access for projects."""
from sqlalchemy import select

from app.database import db_session
from app.models import Project


def list_all() -> list[Project]:
    return list(db_session.scalars(select(Project).order_by(Project.name)))


def get(project_id: str) -> Project | None:
    return db_session.get(Project, project_id)


def create(**fields) -> Project:
    project = Project(**fields)
    db_session.add(project)
    db_session.commit()
    return project


def update(project: Project, **fields) -> Project:
    for name, value in fields.items():
        setattr(project, name, value)
    db_session.commit()
    return project


def delete(project: Project) -> None:
    db_session.delete(project)
    db_session.commit()
