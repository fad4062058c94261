"""Loads the smoke plan's seed data (REPAIR_SEED_FILE) into the database."""
import json
import os

from shop import database

TABLES = {"product": "products", "customer": "customers", "order": "orders"}


def main() -> None:
    database.init_db()
    with open(os.environ["REPAIR_SEED_FILE"]) as handle:
        entities = json.load(handle)
    with database.connect() as connection:
        for table in ("orders", "customers", "products"):
            connection.execute(f"DELETE FROM {table}")
        for entity in entities:
            table = TABLES[entity["entity_name"]]
            fields = {"id": entity["uuid"], **entity["fields"]}
            if table == "orders" and "total" not in fields:
                price = connection.execute("SELECT price FROM products WHERE id = ?", (fields["product_id"],)).fetchone()
                fields["total"] = round((price[0] if price else 0) * fields.get("quantity", 1), 2)
            columns = ", ".join(fields)
            marks = ", ".join("?" for _ in fields)
            connection.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(fields.values()))
    print(f"seeded {len(entities)} entities")


if __name__ == "__main__":
    main()
