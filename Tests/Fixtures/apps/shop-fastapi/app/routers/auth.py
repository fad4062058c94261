"""Log in for a bearer token; who am I."""
from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from app.schemas import LoginRequest, TokenOut
from app.security import issue_token, require_user

router = APIRouter(tags=["auth"])


@router.post("/login", response_model=TokenOut)
def login(payload: LoginRequest):
    return TokenOut(access_token=issue_token(payload.username, payload.password))


@router.post("/token", response_model=TokenOut)
def token(form: OAuth2PasswordRequestForm = Depends()):
    """The OAuth 2 password flow: the same login, as a form."""
    return TokenOut(access_token=issue_token(form.username, form.password))


@router.get("/me")
def me(username: str = Depends(require_user)):
    return {"username": username}
