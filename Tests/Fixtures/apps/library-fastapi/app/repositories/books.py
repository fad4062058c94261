"""Data access for books."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Book


def list_all(db: Session, genre: str | None = None) -> list[Book]:
    query = select(Book).order_by(Book.title)
    if genre:
        query = query.where(Book.genre == genre)
    return list(db.scalars(query))


def get(db: Session, book_id: str) -> Book | None:
    return db.get(Book, book_id)


def create(db: Session, **fields) -> Book:
    book = Book(**fields)
    db.add(book)
    db.commit()
    db.refresh(book)
    return book


def update(db: Session, book: Book, **fields) -> Book:
    for name, value in fields.items():
        setattr(book, name, value)
    db.commit()
    db.refresh(book)
    return book


def delete(db: Session, book: Book) -> None:
    db.delete(book)
    db.commit()
