"""Data access for carts and their items."""
from sqlalchemy.orm import Session

from app.models import Cart, CartItem


def get(db: Session, cart_id: str) -> Cart | None:
    return db.get(Cart, cart_id)


def get_item(db: Session, item_id: str) -> CartItem | None:
    return db.get(CartItem, item_id)


def save(db: Session, entity):
    db.add(entity)
    db.commit()
    db.refresh(entity)
    return entity


def delete_item(db: Session, item: CartItem) -> None:
    db.delete(item)
    db.commit()
