"""Routes for customers (mounted under /customers by app.main)."""
from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from app.database import get_db
from app.schemas import CustomerCreate, CustomerOut, CustomerUpdate
from app.security import require_user
from app.services import customers as service

router = APIRouter(tags=["customers"], dependencies=[Depends(require_user)])


@router.get("")
def list_customers(db: Session = Depends(get_db)):
    customers = service.list_customers(db)
    return {"items": [CustomerOut.model_validate(customer) for customer in customers], "count": len(customers)}


@router.post("", response_model=CustomerOut, status_code=201)
def create_customer(payload: CustomerCreate, db: Session = Depends(get_db)):
    return service.create_customer(db, payload)


@router.get("/{customer_id}", response_model=CustomerOut)
def get_customer(customer_id: str, db: Session = Depends(get_db)):
    return service.find_customer(db, customer_id)


@router.patch("/{customer_id}", response_model=CustomerOut)
def update_customer(customer_id: str, payload: CustomerUpdate, db: Session = Depends(get_db)):
    return service.update_customer(db, customer_id, payload)
