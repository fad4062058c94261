"""Data access for members."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Member


def list_all(db: Session) -> list[Member]:
    return list(db.scalars(select(Member).order_by(Member.name)))


def get(db: Session, member_id: str) -> Member | None:
    return db.get(Member, member_id)


def create(db: Session, **fields) -> Member:
    member = Member(**fields)
    db.add(member)
    db.commit()
    db.refresh(member)
    return member


def update(db: Session, member: Member, **fields) -> Member:
    for name, value in fields.items():
        setattr(member, name, value)
    db.commit()
    db.refresh(member)
    return member
