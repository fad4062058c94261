"""Business rules for carts: items from stock, one checkout per cart."""
from fastapi import HTTPException
from sqlalchemy.orm import Session

from app.models import Cart, CartItem, Order
from app.repositories import carts as repository
from app.repositories import customers as customer_repository
from app.repositories import products as product_repository
from app.schemas import CartCreate, CartItemCreate


def find_cart(db: Session, cart_id: str) -> Cart:
    cart = repository.get(db, cart_id)
    if cart is None:
        raise HTTPException(status_code=404, detail=f"cart {cart_id} not found")
    return cart


def open_cart(db: Session, cart_id: str) -> Cart:
    cart = find_cart(db, cart_id)
    if cart.status != "open":
        raise HTTPException(status_code=409, detail=f"cart {cart_id} is {cart.status}")
    return cart


def create_cart(db: Session, payload: CartCreate) -> Cart:
    if customer_repository.get(db, payload.customer_id) is None:
        raise HTTPException(status_code=404, detail=f"customer {payload.customer_id} not found")
    return repository.save(db, Cart(customer_id=payload.customer_id))


def add_item(db: Session, cart_id: str, payload: CartItemCreate) -> CartItem:
    cart = open_cart(db, cart_id)
    product = product_repository.get(db, payload.product_id)
    if product is None:
        raise HTTPException(status_code=404, detail=f"product {payload.product_id} not found")
    if product.stock < payload.quantity:
        raise HTTPException(status_code=409, detail=f"only {product.stock} of {product.sku} in stock")
    item = CartItem(cart_id=cart.id, product_id=product.id, quantity=payload.quantity,
                    unit_price=product.unit_price)
    return repository.save(db, item)


def remove_item(db: Session, cart_id: str, item_id: str) -> None:
    cart = open_cart(db, cart_id)
    item = repository.get_item(db, item_id)
    if item is None or item.cart_id != cart.id:
        raise HTTPException(status_code=404, detail=f"item {item_id} not found in cart {cart_id}")
    repository.delete_item(db, item)


def checkout(db: Session, cart_id: str) -> Order:
    cart = open_cart(db, cart_id)
    total = sum(item.quantity * item.unit_price for item in cart.items)
    for item in cart.items:
        item.product.stock -= item.quantity
    cart.status = "checked_out"
    order = Order(customer_id=cart.customer_id, cart_id=cart.id, total=total)
    return repository.save(db, order)
