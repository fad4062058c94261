"""Business rules for authors."""
from fastapi import HTTPException
from sqlalchemy.orm import Session

from app.repositories import authors as repository
from app.schemas import AuthorCreate


def list_authors(db: Session):
    return repository.list_all(db)


def get_author(db: Session, author_id: str):
    author = repository.get(db, author_id)
    if author is None:
        raise HTTPException(status_code=404, detail=f"author {author_id} not found")
    return author


def create_author(db: Session, payload: AuthorCreate):
    return repository.create(db, name=payload.name, country=payload.country)


def update_author(db: Session, author_id: str, payload: AuthorCreate):
    author = get_author(db, author_id)
    return repository.update(db, author, name=payload.name, country=payload.country)


def delete_author(db: Session, author_id: str) -> None:
    author = get_author(db, author_id)
    if repository.books_of(db, author_id):
        raise HTTPException(status_code=409, detail="author still has books")
    repository.delete(db, author)


def books_of_author(db: Session, author_id: str):
    get_author(db, author_id)
    return repository.books_of(db, author_id)
