"""Bearer tokens from the OAuth 2 password flow: one admin account, its password from
SHOP_ADMIN_PASSWORD, logged in at /auth/login (JSON) or /auth/token (a form)."""
import hmac
import os
import secrets

from fastapi import Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer

ADMIN_USERNAME = "admin"
_tokens: dict[str, str] = {}
_bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def issue_token(username: str, password: str) -> str:
    expected = os.environ.get("SHOP_ADMIN_PASSWORD", "")
    if not expected or username != ADMIN_USERNAME or not hmac.compare_digest(password, expected):
        raise HTTPException(status_code=401, detail="invalid credentials")
    token = secrets.token_urlsafe(32)
    _tokens[token] = username
    return token


def require_user(token: str | None = Depends(_bearer)) -> str:
    if token is None:
        raise HTTPException(status_code=401, detail="not authenticated", headers={"WWW-Authenticate": "Bearer"})
    username = _tokens.get(token)
    if username is None:
        raise HTTPException(status_code=401, detail="invalid token", headers={"WWW-Authenticate": "Bearer"})
    return username
