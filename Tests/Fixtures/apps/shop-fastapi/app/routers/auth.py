"""Log in for a bearer token; who am I."""
from fastapi import APIRouter, Depends

from app.schemas import LoginRequest, TokenOut
from app.security import issue_token, require_user

router = APIRouter(tags=["auth"])


@router.post("/login", response_model=TokenOut)
def login(payload: LoginRequest):
    return TokenOut(access_token=issue_token(payload.username, payload.password))


@router.get("/me")
def me(username: str = Depends(require_user)):
    return {"username": username}
