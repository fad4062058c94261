"""Business rules for orders: pay once, cancel only what is not paid."""
from fastapi import HTTPException
from sqlalchemy.orm import Session

from app.models import Order
from app.repositories import orders as repository
from app.schemas import PaymentRequest


def list_orders(db: Session, status: str | None = None):
    return repository.list_all(db, status)


def find_order(db: Session, order_id: str) -> Order:
    order = repository.get(db, order_id)
    if order is None:
        raise HTTPException(status_code=404, detail=f"order {order_id} not found")
    return order


def pay_order(db: Session, order_id: str, payload: PaymentRequest) -> Order:
    order = repository.get(db, order_id)
    if order.status != "pending":
        raise HTTPException(status_code=409, detail=f"order {order_id} is {order.status}")
    order.status = "paid"
    order.payment_method = payload.method
    return repository.save(db, order)


def cancel_order(db: Session, order_id: str) -> Order:
    order = find_order(db, order_id)
    if order.status != "pending":
        raise HTTPException(status_code=409, detail=f"order {order_id} is {order.status} and cannot be cancelled")
    order.status = "cancelled"
    return repository.save(db, order)
