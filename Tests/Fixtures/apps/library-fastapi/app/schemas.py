"""Request and response schemas (Pydantic v2)."""
from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class AuthorCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    country: str | None = None


class AuthorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    country: str | None = None


class BookCreate(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    isbn: str = Field(min_length=10, max_length=20)
    copies: int = Field(default=1, ge=1)
    author_id: str


class BookUpdate(BaseModel):
    title: str | None = None
    genre: str | None = None
    copies: int | None = Field(default=None, ge=0)


class BookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    title: str
    isbn: str
    genre: str | None = None
    copies: int
    author_id: str


class MemberCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]+$")
    max_loans: int = Field(default=3, ge=1, le=10)


class MemberUpdate(BaseModel):
    name: str | None = None
    email: str | None = None
    max_loans: int | None = Field(default=None, ge=1, le=10)


class MemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    email: str
    max_loans: int


class LoanCreate(BaseModel):
    book_id: str
    member_id: str
    days: int = 14


class LoanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    book_id: str
    member_id: str
    loaned_on: date
    due_on: date
    returned_on: date | None = None
    renewals: int


class Stats(BaseModel):
    authors: int
    books: int
    members: int
    active_loans: int
