"""Prints what a careless generated app prints, with the fake secrets it is given in its
environment: a traceback whose message holds a database URL, a 500 body with OAuth tokens, a
logged request with a bearer token and a cookie, AWS credentials, a JWT and a private key.
The redaction test runs it and checks that none of the secrets survives."""
import base64
import http.cookies
import json
import logging
import os
import sys
import traceback

env = os.environ
logging.basicConfig(stream=sys.stdout, format="%(levelname)s %(name)s: %(message)s", level=logging.INFO)
log = logging.getLogger("app")


def connect():
    raise ConnectionError(f"could not connect to {env['DATABASE_URL']}: timeout")


try:
    connect()
except ConnectionError:
    traceback.print_exc(file=sys.stdout)

print(json.dumps({"error": "internal", "session": {"access_token": env["ACCESS_TOKEN"],
                                                   "refresh_token": env["REFRESH_TOKEN"],
                                                   "id_token": env["ID_TOKEN"]}}))
log.info("GET /orders?access_token=%s headers=%s", env["ACCESS_TOKEN"],
         {"Authorization": "Bearer " + env["BEARER"], "Cookie": "sid=" + env["SESSION_ID"] + "; theme=dark"})
cookie = http.cookies.SimpleCookie()
cookie["session_id"] = env["SESSION_ID"]
cookie["session_id"]["httponly"] = True
print(cookie.output())
print("[default]")
print("aws_access_key_id = " + env["AWS_ACCESS_KEY_ID"])
print("aws_secret_access_key = " + env["AWS_SECRET_ACCESS_KEY"])
print("AWS_SECRET_ACCESS_KEY=" + env["AWS_SECRET_ACCESS_KEY"])
header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()).rstrip(b"=").decode()
claims = base64.urlsafe_b64encode(json.dumps({"sub": "42", "name": "Ann"}).encode()).rstrip(b"=").decode()
print(f"KeyError: user from token {header}.{claims}.{env['JWT_SIGNATURE']} not found")
print("settings: " + repr({"STRIPE_SECRET_KEY": env["STRIPE_KEY"], "OPENAI_API_KEY": env["OPENAI_KEY"],
                           "DB_PASSWORD": env["DB_PASSWORD"], "GITHUB_TOKEN": env["GITHUB_TOKEN"]}))
with open(env["PRIVATE_KEY_FILE"]) as key_file:
    print("loaded signing key:\n" + key_file.read())
