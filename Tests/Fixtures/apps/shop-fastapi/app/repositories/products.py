"""Data access for products."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Product


def list_all(db: Session) -> list[Product]:
    return list(db.scalars(select(Product).order_by(Product.name)))


def get(db: Session, product_id: str) -> Product | None:
    return db.get(Product, product_id)


def by_sku(db: Session, sku: str) -> Product | None:
    return db.scalar(select(Product).where(Product.sku == sku))


def save(db: Session, product: Product) -> Product:
    db.add(product)
    db.commit()
    db.refresh(product)
    return product


def delete(db: Session, product: Product) -> None:
    db.delete(product)
    db.commit()
