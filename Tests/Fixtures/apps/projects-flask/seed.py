"""Loads the smoke plan's seed data (REPAIR_SEED_FILE) into the database, replacing what was there."""
import json
import os
from datetime import date

from app.database import db_session, init_db
from app.models import Comment, Project, Task, User

MODELS = {"user": User, "project": Project, "task": Task, "comment": Comment}


def main() -> None:
    init_db()
    with open(os.environ["REPAIR_SEED_FILE"]) as handle:
        entities = json.load(handle)
    for model in (Comment, Task, Project, User):
        db_session.query(model).delete()
    for entity in entities:
        fields = dict(entity["fields"])
        if fields.get("due_date"):
            fields["due_date"] = date.fromisoformat(fields["due_date"])
        db_session.add(MODELS[entity["entity_name"]](id=entity["uuid"], **fields))
        db_session.flush()
    db_session.commit()
    print(f"seeded {len(entities)} entities")


if __name__ == "__main__":
    main()
