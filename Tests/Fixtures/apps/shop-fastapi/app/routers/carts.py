"""Routes for carts and their items (mounted under /carts by app.main)."""
from fastapi import APIRouter, Depends, Response
from sqlalchemy.orm import Session

from app.database import get_db
from app.schemas import CartCreate, CartItemCreate, CartItemOut, CartOut, OrderOut
from app.security import require_user
from app.services import carts as service

router = APIRouter(tags=["carts"], dependencies=[Depends(require_user)])


@router.post("", response_model=CartOut, status_code=201)
def create_cart(payload: CartCreate, db: Session = Depends(get_db)):
    return service.create_cart(db, payload)


@router.get("/{cart_id}", response_model=CartOut)
def get_cart(cart_id: str, db: Session = Depends(get_db)):
    return service.find_cart(db, cart_id)


@router.post("/{cart_id}/items", response_model=CartItemOut, status_code=201)
def add_item(cart_id: str, payload: CartItemCreate, db: Session = Depends(get_db)):
    return service.add_item(db, cart_id, payload)


@router.delete("/{cart_id}/items/{item_id}", status_code=204)
def remove_item(cart_id: str, item_id: str, db: Session = Depends(get_db)):
    service.remove_item(db, cart_id, item_id)
    return Response(status_code=204)


@router.post("/{cart_id}/checkout", response_model=OrderOut, status_code=201)
def checkout(cart_id: str, db: Session = Depends(get_db)):
    return service.checkout(db, cart_id)
