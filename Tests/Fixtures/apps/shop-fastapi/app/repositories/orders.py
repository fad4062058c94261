"""Data access for orders."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Order


def list_all(db: Session, status: str | None = None) -> list[Order]:
    query = select(Order).order_by(Order.created_at)
    if status:
        query = query.where(Order.status == status)
    return list(db.scalars(query))


def get(db: Session, order_id: str) -> Order | None:
    return db.get(Order, order_id)


def save(db: Session, order: Order) -> Order:
    db.add(order)
    db.commit()
    db.refresh(order)
    return order
