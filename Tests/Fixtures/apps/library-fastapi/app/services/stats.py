"""Library-wide counters."""
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Author, Book, Loan, Member
from app.schemas import Stats


def collect(db: Session) -> Stats:
    return Stats(
        authors=db.scalar(select(func.count()).select_from(Author)) or 0,
        books=db.scalar(select(func.count()).select_from(Book)) or 0,
        members=db.scalar(select(func.count()).select_from(Member)) or 0,
        active_loans=db.scalar(select(func.count()).select_from(Loan).where(Loan.returned_on.is_(None))) or 0,
    )
