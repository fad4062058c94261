"""Routes for /authors."""
from fastapi import APIRouter, Depends, Response
from sqlalchemy.orm import Session

from app.database import get_db
from app.schemas import AuthorCreate, AuthorOut, BookOut
from app.services import authors as service

router = APIRouter(prefix="/authors", tags=["authors"])


@router.get("", response_model=list[AuthorOut])
def list_authors(db: Session = Depends(get_db)):
    return service.list_authors(db)


@router.post("", response_model=AuthorOut)
def create_author(payload: AuthorCreate, db: Session = Depends(get_db)):
    return service.create_author(db, payload)


@router.get("/{author_id}", response_model=AuthorOut)
def get_author(author_id: str, db: Session = Depends(get_db)):
    return service.get_author(db, author_id)


@router.put("/{author_id}", response_model=AuthorOut)
def update_author(author_id: str, payload: AuthorCreate, db: Session = Depends(get_db)):
    return service.update_author(db, author_id, payload)


@router.delete("/{author_id}", status_code=204)
def delete_author(author_id: str, db: Session = Depends(get_db)):
    service.delete_author(db, author_id)
    return Response(status_code=204)


@router.get("/{author_id}/book", response_model=list[BookOut])
def list_author_books(author_id: str, db: Session = Depends(get_db)):
    return service.books_of_author(db, author_id)
