"""Business rules for customers: unique e-mail addresses."""
from fastapi import HTTPException
from sqlalchemy.orm import Session

from app.models import Customer
from app.repositories import customers as repository
from app.schemas import CustomerCreate, CustomerUpdate


def list_customers(db: Session):
    return repository.list_all(db)


def find_customer(db: Session, customer_id: str) -> Customer:
    customer = repository.get(db, customer_id)
    if customer is None:
        raise HTTPException(status_code=404, detail=f"customer {customer_id} not found")
    return customer


def create_customer(db: Session, payload: CustomerCreate) -> Customer:
    if repository.by_email(db, payload.email) is not None:
        raise HTTPException(status_code=409, detail=f"{payload.email} is already registered")
    return repository.add(db, Customer(**payload.model_dump()))


def update_customer(db: Session, customer_id: str, payload: CustomerUpdate) -> Customer:
    customer = find_customer(db, customer_id)
    for field, value in payload.model_dump(exclude_unset=True).items():
        setattr(customer, field, value)
    return repository.save(db, customer)
