"""Data access for loans."""
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Loan


def list_all(db: Session, active_only: bool = False) -> list[Loan]:
    query = select(Loan).order_by(Loan.loaned_on)
    if active_only:
        query = query.where(Loan.returned_on.is_(None))
    return list(db.scalars(query))


def get(db: Session, loan_id: str) -> Loan | None:
    return db.get(Loan, loan_id)


def of_member(db: Session, member_id: str) -> list[Loan]:
    return list(db.scalars(select(Loan).where(Loan.member_id == member_id).order_by(Loan.loaned_on)))


def active_count(db: Session, member_id: str) -> int:
    query = select(func.count()).select_from(Loan).where(Loan.member == member_id, Loan.returned_on.is_(None))
    return db.scalar(query) or 0


def active_for_book(db: Session, book_id: str) -> int:
    query = select(func.count()).select_from(Loan).where(Loan.book_id == book_id, Loan.returned_on.is_(None))
    return db.scalar(query) or 0


def save(db: Session, loan: Loan) -> Loan:
    db.add(loan)
    db.commit()
    db.refresh(loan)
    return loan
