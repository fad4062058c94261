"""Business rules for loans: limits, due dates, returns and renewals."""
from datetime import date, timedelta

from fastapi import HTTPException
from sqlalchemy.orm import Session

from app.models import Loan
from app.repositories import books as book_repository
from app.repositories import loans as repository
from app.repositories import members as member_repository
from app.schemas import LoanCreate

MAX_RENEWALS = 2


def list_loans(db: Session, active_only: bool = False):
    return repository.list_all(db, active_only)


def describe(loan: Loan) -> dict:
    overdue = loan.returned_on is None and loan.due_on < date.today()
    return {
        "id": loan.id,
        "book_id": loan.book_id,
        "member_id": loan.member_id,
        "loaned_on": loan.loaned_on,
        "due_on": loan.due_on,
        "returned_on": loan.returned_on,
        "renewals": loan.renewals,
        "overdue": overdue,
    }


def get_loan(db: Session, loan_id: str) -> dict:
    loan = repository.get(db, loan_id)
    return describe(loan)


def find_loan(db: Session, loan_id: str) -> Loan:
    loan = repository.get(db, loan_id)
    if loan is None:
        raise HTTPException(status_code=404, detail=f"loan {loan_id} not found")
    return loan


def create_loan(db: Session, payload: LoanCreate) -> Loan:
    book = book_repository.get(db, payload.book_id)
    member = member_repository.get(db, payload.member_id)
    if book is None or member is None:
        raise HTTPException(status_code=404, detail="book or member not found")
    if repository.active_count(db, member.id) >= member.max_loans:
        raise HTTPException(status_code=409, detail="member has reached the loan limit")
    if repository.active_for_book(db, book.id) >= book.copies:
        raise HTTPException(status_code=409, detail="no copy available")
    loan = Loan(book_id=book.id, member_id=member.id, loaned_on=date.today(),
                due_on=date.today() + timedelta(days=payload.days))
    return repository.save(db, loan)


def return_loan(db: Session, loan_id: str) -> Loan:
    loan = find_loan(db, loan_id)
    loan.returned_on = date.today()
    return repository.save(db, loan)


def renew_loan(db: Session, loan_id: str) -> Loan:
    loan = find_loan(db, loan_id)
    if loan.returned_on is not None:
        raise HTTPException(status_code=409, detail="loan was already returned")
    if loan.renewals >= MAX_RENEWALS:
        raise HTTPException(status_code=409, detail="loan cannot be renewed again")
    loan.renewals += 1
    loan.due_on = loan.due_on + timedelta(days=14)
    return repository.save(db, loan)
