"""Business logic between the routes and the database."""
import uuid

from shop import database
from shop.models import Customer, Order, Product, ValidationError


class NotFound(Exception):
    pass


def list_products() -> list:
    return [Product(**row).to_dict() for row in database.fetch_all("SELECT * FROM products ORDER BY name")]


def get_product(product_id: str) -> dict:
    row = database.fetch_one("SELECT * FROM products WHERE id = ?", (product_id,))
    product = Product(id=row["id"], name=row["name"], price=row["price"], stock=row["stock"])
    return product.to_dict()


def create_product(payload: dict) -> dict:
    product = Product(
        id=str(uuid.uuid4()),
        name=payload["product_name"],
        price=float(payload["price"]),
        stock=int(payload.get("stock", 0)),
    )
    database.execute(
        "INSERT INTO products (id, name, price, stock) VALUES (?, ?, ?, ?)",
        (product.id, product.name, product.price, product.stock),
    )
    return product.to_dict()


def list_customers() -> list:
    return [Customer(**row).to_dict() for row in database.fetch_all("SELECT * FROM customers ORDER BY name")]


def get_customer(customer_id: str) -> dict:
    row = database.fetch_one("SELECT * FROM customers WHERE id = ?", (customer_id,))
    if row is None:
        raise NotFound(f"customer {customer_id} not found")
    return Customer(**row).to_dict()


def create_customer(payload: dict) -> dict:
    customer = Customer(id=str(uuid.uuid4()), name=payload["name"], email=payload["email"])
    database.execute(
        "INSERT INTO customers (id, name, email) VALUES (?, ?, ?)",
        (customer.id, customer.name, customer.email),
    )
    return customer.to_dict()


def get_order(order_id: str) -> dict:
    row = database.fetch_one("SELECT * FROM orders WHERE id = ?", (order_id,))
    if row is None:
        raise NotFound(f"order {order_id} not found")
    return Order(**row).to_dict()


def create_order(payload: dict) -> dict:
    product = database.fetch_one("SELECT * FROM products WHERE id = ?", (payload["product_id"],))
    if product is None:
        raise ValidationError("product_id", "unknown product")
    if database.fetch_one("SELECT id FROM customers WHERE id = ?", (payload["customer_id"],)) is None:
        raise ValidationError("customer_id", "unknown customer")
    quantity = int(payload.get("quantity", 1))
    order = Order(
        id=str(uuid.uuid4()),
        customer_id=payload["customer_id"],
        product_id=payload["product_id"],
        quantity=quantity,
        total=round(product["price"] * quantity, 2),
    )
    database.execute(
        "INSERT INTO orders (id, customer_id, product_id, quantity, total) VALUES (?, ?, ?, ?, ?)",
        (order.id, order.customer_id, order.product_id, order.quantity, order.total),
    )
    return order.to_dict()
