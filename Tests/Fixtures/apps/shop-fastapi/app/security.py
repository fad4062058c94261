"""Bearer tokens: those the admin account logs in for (its password from SHOP_ADMIN_PASSWORD),
and the service token SHOP_API_TOKEN for machine clients."""
import hmac
import os
import secrets

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

ADMIN_USERNAME = "admin"
_tokens: dict[str, str] = {}
_bearer = HTTPBearer(auto_error=False)


def issue_token(username: str, password: str) -> str:
    expected = os.environ.get("SHOP_ADMIN_PASSWORD", "")
    if not expected or username != ADMIN_USERNAME or not hmac.compare_digest(password, expected):
        raise HTTPException(status_code=401, detail="invalid credentials")
    token = secrets.token_urlsafe(32)
    _tokens[token] = username
    return token


def require_user(credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(status_code=401, detail="not authenticated", headers={"WWW-Authenticate": "Bearer"})
    username = _tokens.get(credentials.credentials)
    service_token = os.environ.get("SHOP_API_TOKEN", "")
    if username is None and service_token and hmac.compare_digest(credentials.credentials, service_token):
        username = "service"
    if username is None:
        raise HTTPException(status_code=401, detail="invalid token", headers={"WWW-Authenticate": "Bearer"})
    return username
