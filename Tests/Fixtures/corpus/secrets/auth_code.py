"""Authentication service of a generated app: code that handles secrets without holding any."""
import os
from datetime import datetime, timedelta, timezone

import bcrypt
import jwt
from fastapi import HTTPException, Request

SECRET_KEY = os.environ["SECRET_KEY"]
ALGORITHM = "HS256"
ACCESS_TOKEN_MINUTES = 30


class Unauthorized(HTTPException):
    def __init__(self, detail: str = "not authenticated") -> None:
        super().__init__(status_code=401, detail=detail)


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


def verify_password(password: str, password_hash: str) -> bool:
    return bcrypt.checkpw(password.encode(), password_hash.encode())


def create_access_token(user_id: str) -> str:
    expires = datetime.now(timezone.utc) + timedelta(minutes=ACCESS_TOKEN_MINUTES)
    return jwt.encode({"sub": user_id, "exp": expires}, SECRET_KEY, algorithm=ALGORITHM)


def create_refresh_token(user_id: str) -> str:
    return jwt.encode({"sub": user_id, "kind": "refresh"}, SECRET_KEY, algorithm=ALGORITHM)


def login(payload: dict) -> dict:
    password = payload["password"]
    user = find_user(payload["email"])
    if user is None or not verify_password(password, user.password_hash):
        raise Unauthorized("wrong email or password")
    access_token = create_access_token(user.id)
    refresh_token = create_refresh_token(user.id)
    return {"access_token": access_token, "refresh_token": refresh_token, "token_type": "bearer"}


def current_user(request: Request):
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not token:
        raise Unauthorized()
    cookie = request.cookies.get("session_id")
    api_key = request.headers.get("X-API-Key")
    try:
        claims = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])
    except jwt.PyJWTError as error:
        raise Unauthorized(str(error)) from error
    return find_user(claims["sub"]), cookie, api_key


def find_user(key):
    raise NotImplementedError
