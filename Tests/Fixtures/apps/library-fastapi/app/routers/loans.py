"""Routes for loans (mounted under /loans by app.main)."""
from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from app.database import get_db
from app.schemas import LoanCreate, LoanOut
from app.services import loans as service

router = APIRouter(tags=["loans"])


@router.get("", response_model=list[LoanOut])
def list_loans(active: bool = False, db: Session = Depends(get_db)):
    return service.list_loans(db, active)


@router.post("", response_model=LoanOut, status_code=201)
def create_loan(payload: LoanCreate, db: Session = Depends(get_db)):
    return service.create_loan(db, payload)


@router.get("/{loan_id}")
def get_loan(loan_id: str, db: Session = Depends(get_db)):
    return service.get_loan(db, loan_id)


@router.post("/{loan_id}/return", response_model=LoanOut)
def return_loan(loan_id: str, db: Session = Depends(get_db)):
    return service.return_loan(db, loan_id)


@router.post("/{loan_id}/renew", response_model=LoanOut)
def renew_loan(loan_id: str, db: Session = Depends(get_db)):
    return service.renew_loan(db, loan_id)
