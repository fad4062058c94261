"""Loads the smoke plan's seed data (REPAIR_SEED_FILE) into the database, replacing what was there.

Entities are products, customers, carts, cart items ("item") and orders; fields a model does
not have are left out, and what an entity lacks is derived (an item's cart and price)."""
import json
import os

from app.database import SessionLocal, init_db
from app.models import Cart, CartItem, Customer, Order, Product

MODELS = {"product": Product, "customer": Customer, "cart": Cart, "item": CartItem, "cart_item": CartItem,
          "order": Order}


def main() -> None:
    init_db()
    with open(os.environ["REPAIR_SEED_FILE"]) as handle:
        entities = json.load(handle)
    with SessionLocal() as db:
        for model in (Order, CartItem, Cart, Customer, Product):
            db.query(model).delete()
        last: dict[type, str] = {}
        for entity in entities:
            model = MODELS[entity["entity_name"]]
            columns = {column.name for column in model.__table__.columns}
            fields = {name: value for name, value in entity["fields"].items() if name in columns and name != "id"}
            if model is CartItem:
                fields.setdefault("cart_id", last.get(Cart))
                product = db.get(Product, fields.get("product_id") or last.get(Product))
                fields.setdefault("product_id", product.id)
                fields.setdefault("unit_price", product.price)
            if model is Order:
                fields.setdefault("cart_id", last.get(Cart))
                fields.setdefault("customer_id", last.get(Customer))
                fields.setdefault("total", 0)
                fields["status"] = "pending"
            db.add(model(id=entity["uuid"], **fields))
            db.flush()
            last[model] = entity["uuid"]
        db.commit()
    print(f"seeded {len(entities)} entities")


if __name__ == "__main__":
    main()
