"""Business rules for products: unique SKUs, no deleting what is in a cart."""
from fastapi import HTTPException
from sqlalchemy.orm import Session

from app.models import Product
from app.repositories import products as repository
from app.schemas import ProductCreate, ProductUpdate


def list_products(db: Session):
    return repository.list_all(db)


def find_product(db: Session, product_id: str) -> Product:
    product = repository.get(db, product_id)
    if product is None:
        raise HTTPException(status_code=404, detail=f"product {product_id} not found")
    return product


def create_product(db: Session, payload: ProductCreate) -> Product:
    if repository.by_sku(db, payload.sku) is not None:
        raise HTTPException(status_code=409, detail=f"sku {payload.sku} already exists")
    return repository.save(db, Product(**payload.model_dump()))


def update_product(db: Session, product_id: str, payload: ProductUpdate) -> Product:
    product = find_product(db, product_id)
    for field, value in payload.model_dump(exclude_unset=True).items():
        setattr(product, field, value)
    return repository.save(db, product)


def attach_image(db: Session, product_id: str, filename: str, size: int, alt: str) -> dict:
    product = find_product(db, product_id)
    if size == 0:
        raise HTTPException(status_code=422, detail="the image is empty")
    return {"product_id": product.id, "filename": filename, "size": size, "alt": alt}


def delete_product(db: Session, product_id: str) -> None:
    repository.delete(db, find_product(db, product_id))
