"""Routes for library statistics."""
from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from app.database import get_db
from app.schemas import Stats
from app.services import stats as service

router = APIRouter(tags=["stats"])


@router.get("/stats", response_model=Stats)
async def get_stats(db: Session = Depends(get_db)):
    return await service.collect(db)
