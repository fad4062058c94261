"""Data access for users."""
from sqlalchemy import select

from app.database import db_session
from app.models import User


def list_all() -> list[User]:
    return list(db_session.scalars(select(User).order_by(User.name)))


def get(user_id: str) -> User | None:
    return db_session.get(User, user_id)


def create(**fields) -> User:
    user = User(**fields)
    db_session.add(user)
    db_session.commit()
    return user
