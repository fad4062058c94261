"""Routes for products (mounted under /products by app.main)."""
from fastapi import APIRouter, Depends, File, Form, Response, UploadFile
from sqlalchemy.orm import Session

from app.database import get_db
from app.schemas import ImageOut, ProductCreate, ProductOut, ProductUpdate
from app.services import products as service

router = APIRouter(tags=["products"])


@router.get("", response_model=list[ProductOut])
def list_products(db: Session = Depends(get_db)):
    return service.list_products(db)


@router.post("", response_model=ProductOut, status_code=201)
def create_product(payload: ProductCreate, db: Session = Depends(get_db)):
    return service.create_product(db, payload)


@router.get("/{product_id}", response_model=ProductOut)
def get_product(product_id: str, db: Session = Depends(get_db)):
    return service.find_product(db, product_id)


@router.patch("/{product_id}", response_model=ProductOut)
def update_product(product_id: str, payload: ProductUpdate, db: Session = Depends(get_db)):
    return service.update_product(db, product_id, payload)


@router.post("/{product_id}/image", response_model=ImageOut, status_code=201)
async def upload_image(product_id: str, image: UploadFile = File(...), alt: str = Form(min_length=1),
                       db: Session = Depends(get_db)):
    content = await image.read()
    return service.attach_image(db, product_id, image.filename or "image", len(content), alt)


@router.delete("/{product_id}", status_code=204)
def delete_product(product_id: str, db: Session = Depends(get_db)):
    service.delete_product(db, product_id)
    return Response(status_code=204)
