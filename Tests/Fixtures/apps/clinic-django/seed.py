"""Loads the smoke plan's seed data (REPAIR_SEED_FILE) into the database, replacing what was there."""
import json
import os
from datetime import date, datetime

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from clinic.models import Appointment, Doctor, Patient  # noqa: E402

MODELS = {"patient": Patient, "doctor": Doctor, "appointment": Appointment}


def main() -> None:
    with open(os.environ["REPAIR_SEED_FILE"]) as handle:
        entities = json.load(handle)
    for model in (Appointment, Doctor, Patient):
        model.objects.all().delete()
    for entity in entities:
        fields = dict(entity["fields"])
        if fields.get("date_of_birth"):
            fields["date_of_birth"] = date.fromisoformat(fields["date_of_birth"])
        if fields.get("starts_at"):
            fields["starts_at"] = datetime.fromisoformat(fields["starts_at"])
        MODELS[entity["entity_name"]].objects.create(id=entity["uuid"], **fields)
    print(f"seeded {len(entities)} entities")


if __name__ == "__main__":
    main()
