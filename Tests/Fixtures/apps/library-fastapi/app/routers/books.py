"""Routes for books (mounted under /books by app.main)."""
from fastapi import APIRouter, Depends, Response
from sqlalchemy.orm import Session

from app.database import get_db
from app.schemas import BookCreate, BookOut, BookUpdate
from app.services import books as service

router = APIRouter(tags=["books"])


@router.get("", response_model=list[BookOut])
def list_books(genre: str | None = None, db: Session = Depends(get_db)):
    return service.list_books(db, genre)


@router.post("", response_model=BookOut, status_code=201)
def create_book(payload: BookCreate, db: Session = Depends(get_db)):
    return service.create_book(db, payload)


@router.get("/{book_id}", response_model=BookOut)
def get_book(book_id: str, db: Session = Depends(get_db)):
    return service.get_book(db, book_id)


@router.patch("/{book_id}", response_model=BookOut)
def update_book(book_id: str, payload: BookUpdate, db: Session = Depends(get_db)):
    return service.update_book(db, book_id, payload)


@router.delete("/{book_id}", status_code=204)
def delete_book(book_id: str, db: Session = Depends(get_db)):
    service.delete_book(db, book_id)
    return Response(status_code=204)
