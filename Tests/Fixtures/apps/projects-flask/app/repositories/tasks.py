"""Data access for tasks and their comments."""
from sqlalchemy import func, select

from app.database import db_session
from app.models import Comment, Task


def list_all(status: str | None = None) -> list[Task]:
    query = select(Task).order_by(Task.title)
    if status:
        query = query.where(Task.status == status)
    return list(db_session.scalars(query))


def for_project(project_id: str) -> list[Task]:
    query = select(Task).where(Task.project_id == project_id).order_by(Task.due, Task.title)
    return list(db_session.scalars(query))


def for_assignee(user_id: str) -> list[Task]:
    return list(db_session.scalars(select(Task).where(Task.assignee_id == user_id).order_by(Task.title)))


def get(task_id: str) -> Task | None:
    return db_session.get(Task, task_id)


def save(task: Task) -> Task:
    db_session.add(task)
    db_session.commit()
    return task


def delete(task: Task) -> None:
    for comment in comments_of(task.id):
        db_session.delete(comment)
    db_session.delete(task)
    db_session.flush()


def comments_of(task_id: str) -> list[Comment]:
    return list(db_session.scalars(select(Comment).where(Comment.task_id == task_id).order_by(Comment.created_at)))


def add_comment(comment: Comment) -> Comment:
    db_session.add(comment)
    db_session.commit()
    return comment


def count_by_status() -> dict:
    rows = db_session.execute(select(Task.status, func.count()).group_by(Task.status))
    return {status: count for status, count in rows}
