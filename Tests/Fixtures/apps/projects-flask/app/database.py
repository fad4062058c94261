"""Database engine and per-request session (SQLAlchemy 2.x on SQLite)."""
import os

from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker

DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///./projects.db")

engine = create_engine(DATABASE_URL)
db_session = scoped_session(sessionmaker(bind=engine, autoflush=False, expire_on_commit=False))


class Base(DeclarativeBase):
    pass


def init_db() -> None:
    from app import models  # noqa: F401  (registers the tables)

    Base.metadata.create_all(bind=engine)
