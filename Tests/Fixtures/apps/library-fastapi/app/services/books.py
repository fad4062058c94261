"""Business rules for books."""
from fastapi import HTTPException
from sqlalchemy.orm import Session

from app.repositories import authors as author_repository
from app.repositories import books as repository
from app.repositories import loans as loan_repository
from app.schemas import BookCreate, BookUpdate


def list_books(db: Session, genre: str | None = None):
    return repository.list_all(db, genre)


def get_book(db: Session, book_id: str):
    book = repository.get(db, book_id)
    if book is None:
        raise HTTPException(status_code=404, detail=f"book {book_id} not found")
    return book


def create_book(db: Session, payload: BookCreate):
    if author_repository.get(db, payload.author_id) is None:
        raise HTTPException(status_code=422, detail="author_id does not name an author")
    return repository.create(
        db,
        title=payload.title,
        isbn=payload.isbn,
        genre=payload.genre,
        copies=payload.copies,
        author_id=payload.author_id,
    )


def update_book(db: Session, book_id: str, payload: BookUpdate):
    book = get_book(db, book_id)
    changes = payload.model_dump(exclude_unset=True)
    return repository.update(db, book, **changes)


def delete_book(db: Session, book_id: str) -> None:
    book = get_book(db, book_id)
    if loan_repository.active_for_book(db, book_id):
        raise HTTPException(status_code=409, detail="book is on loan")
    repository.delete(db, book)
