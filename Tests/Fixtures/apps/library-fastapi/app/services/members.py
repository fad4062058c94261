"""Business rules for members."""
from fastapi import HTTPException
from sqlalchemy.orm import Session

from app.repositories import loans as loan_repository
from app.repositories import members as repository
from app.schemas import MemberCreate, MemberOut, MemberUpdate


def to_out(member) -> MemberOut:
    return MemberOut(id=member.id, name=member.full_name, email=member.email, max_loans=member.max_loans)


def list_members(db: Session):
    return repository.list_all(db)


def find_member(db: Session, member_id: str):
    member = repository.get(db, member_id)
    if member is None:
        raise HTTPException(status_code=404, detail=f"member {member_id} not found")
    return member


def get_member(db: Session, member_id: str) -> MemberOut:
    return to_out(find_member(db, member_id))


def create_member(db: Session, payload: MemberCreate):
    return repository.create(db, name=payload.name, email=payload.email.lower(), max_loans=payload.max_loans)


def update_member(db: Session, member_id: str, payload: MemberUpdate):
    member = find_member(db, member_id)
    return repository.update(db, member, **payload.model_dump(exclude_unset=True))


def loans_of_member(db: Session, member_id: str):
    find_member(db, member_id)
    return loan_repository.of_member(db, member_id)
