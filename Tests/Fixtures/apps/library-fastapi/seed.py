"""Loads the smoke plan's seed data (REPAIR_SEED_FILE) into the database, replacing what was there."""
import json
import os
from datetime import date

from app.database import SessionLocal, init_db
from app.models import Author, Book, Loan, Member

MODELS = {"author": Author, "book": Book, "member": Member, "loan": Loan}
DATE_FIELDS = {"loaned_on", "due_on", "returned_on"}


def main() -> None:
    init_db()
    with open(os.environ["REPAIR_SEED_FILE"]) as handle:
        entities = json.load(handle)
    with SessionLocal() as db:
        for model in (Loan, Book, Member, Author):
            db.query(model).delete()
        for entity in entities:
            fields = {name: date.fromisoformat(value) if name in DATE_FIELDS and value else value
                      for name, value in entity["fields"].items()}
            db.add(MODELS[entity["entity_name"]](id=entity["uuid"], **fields))
            db.flush()
        db.commit()
    print(f"seeded {len(entities)} entities")


if __name__ == "__main__":
    main()
