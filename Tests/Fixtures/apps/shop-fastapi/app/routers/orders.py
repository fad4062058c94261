"""Routes for orders (mounted under /orders by app.main)."""
from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from app.database import get_db
from app.schemas import OrderOut, PaymentRequest
from app.security import require_user
from app.services import orders as service

router = APIRouter(tags=["orders"], dependencies=[Depends(require_user)])


@router.get("", response_model=list[OrderOut])
def list_orders(status: str | None = None, db: Session = Depends(get_db)):
    return service.list_orders(db, status)


@router.get("/{order_id}", response_model=OrderOut)
def get_order(order_id: str, db: Session = Depends(get_db)):
    return service.find_order(db, order_id)


@router.post("/{order_id}/pay", response_model=OrderOut)
def pay_order(order_id: str, payload: PaymentRequest, db: Session = Depends(get_db)):
    return service.pay_order(db, order_id, payload)


@router.post("/{order_id}/cancel", response_model=OrderOut)
def cancel_order(order_id: str, db: Session = Depends(get_db)):
    return service.cancel_order(db, order_id)
