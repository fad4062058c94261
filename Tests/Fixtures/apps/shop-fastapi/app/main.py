"""Shop API — generated FastAPI service: products, customers, carts, orders, behind bearer tokens."""
from fastapi import FastAPI

from app.database import init_db
from app.routers import auth, carts, customers, orders, products

app = FastAPI(title="Shop API", version="1.0.0")

app.include_router(auth.router, prefix="/auth")
app.include_router(products.router, prefix="/products")
app.include_router(customers.router, prefix="/customers")
app.include_router(carts.router, prefix="/carts")
app.include_router(orders.router, prefix="/orders")


@app.on_event("startup")
def on_startup() -> None:
    init_db()


@app.get("/health")
def health():
    return {"status": "ok"}
