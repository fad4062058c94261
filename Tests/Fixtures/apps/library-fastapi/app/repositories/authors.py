"""Data access for authors."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Author, Book


def list_all(db: Session) -> list[Author]:
    return list(db.scalars(select(Author).order_by(Author.name)))


def get(db: Session, author_id: str) -> Author | None:
    return db.get(Author, author_id)


def create(db: Session, **fields) -> Author:
    author = Author(**fields)
    db.add(author)
    db.commit()
    db.refresh(author)
    return author


def update(db: Session, author: Author, **fields) -> Author:
    for name, value in fields.items():
        setattr(author, name, value)
    db.commit()
    db.refresh(author)
    return author


def delete(db: Session, author: Author) -> None:
    db.delete(author)
    db.commit()


def books_of(db: Session, author_id: str) -> list[Book]:
    return list(db.scalars(select(Book).where(Book.author_id == author_id).order_by(Book.title)))
