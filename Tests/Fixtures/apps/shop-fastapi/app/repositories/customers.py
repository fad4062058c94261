"""Data access for customers."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Customer


def list_all(db: Session) -> list[Customer]:
    return list(db.scalars(select(Customer).order_by(Customer.name)))


def get(db: Session, customer_id: str) -> Customer | None:
    return db.get(Customer, customer_id)


def by_email(db: Session, email: str) -> Customer | None:
    return db.scalar(select(Customer).where(Customer.email == email))


def add(db: Session, customer: Customer) -> Customer:
    db.add(customer)
    db.flush()
    db.refresh(customer)
    return customer


def save(db: Session, customer: Customer) -> Customer:
    db.add(customer)
    db.commit()
    db.refresh(customer)
    return customer
