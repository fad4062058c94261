"""Loads the smoke plan's seed data (REPAIR_SEED_FILE) into the database, replacing what was there."""
import json
import os

from app.database import SessionLocal, init_db
from app.models import Cart, CartItem, Customer, Order, Product

MODELS = {"product": Product, "customer": Customer}


def main() -> None:
    init_db()
    with open(os.environ["REPAIR_SEED_FILE"]) as handle:
        entities = json.load(handle)
    with SessionLocal() as db:
        for model in (Order, CartItem, Cart, Customer, Product):
            db.query(model).delete()
        for entity in entities:
            db.add(MODELS[entity["entity_name"]](id=entity["uuid"], **entity["fields"]))
            db.flush()
        db.commit()
    print(f"seeded {len(entities)} entities")


if __name__ == "__main__":
    main()
