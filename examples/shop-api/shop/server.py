"""A small HTTP layer over the standard library: routing, JSON, uvicorn-style logs."""
import json
import logging
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from http import HTTPStatus

from shop.models import ValidationError


class _LevelPrefixFormatter(logging.Formatter):
    """uvicorn's `ERROR:    message` layout: the level and a colon, padded to ten columns."""

    def format(self, record: logging.LogRecord) -> str:
        record.levelprefix = f"{record.levelname}:".ljust(10)
        return super().format(record)


logger = logging.getLogger("shop.error")
_handler = logging.StreamHandler(sys.stderr)
_handler.setFormatter(_LevelPrefixFormatter("%(levelprefix)s%(message)s"))
logger.addHandler(_handler)
logger.propagate = False


class Request:
    def __init__(self, method: str, path: str, headers, body: bytes, path_params: dict):
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.path_params = path_params

    def json(self) -> dict:
        if not self.body:
            return {}
        return json.loads(self.body)


class Response:
    def __init__(self, status: int, body):
        self.status = status
        self.body = body


class Router:
    def __init__(self):
        self.routes = []

    def add(self, method: str, template: str, handler) -> None:
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self.routes.append((method, re.compile(f"^{pattern}$"), handler))

    def match(self, method: str, path: str):
        allowed = False
        for route_method, pattern, handler in self.routes:
            found = pattern.match(path)
            if found:
                if route_method == method:
                    return handler, found.groupdict()
                allowed = True
        return (None, "method_not_allowed") if allowed else (None, None)


def make_handler(router: Router):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True
        server_version = "shop-api"

        def _dispatch(self) -> None:
            path = self.path.split("?", 1)[0]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request_id = self.headers.get("X-Request-ID", "-")
            handler, params = router.match(self.command, path)
            if handler is None:
                if params == "method_not_allowed":
                    self._send(405, {"detail": "Method Not Allowed"})
                else:
                    self._send(404, {"detail": "Not Found"})
                return
            try:
                response = handler(Request(self.command, path, self.headers, body, params))
                self._send(response.status, response.body)
            except ValidationError as error:
                self._send(422, {"detail": [{"loc": ["body", error.field], "msg": error.message}]})
            except json.JSONDecodeError:
                self._send(400, {"detail": "Invalid JSON body"})
            except Exception:
                # One log record: the header and the whole traceback are written together.
                logger.exception("Exception in ASGI application (request_id=%s)", request_id)
                self._send(500, {"detail": "Internal Server Error"})

        def _send(self, status: int, body) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

        def log_request(self, code="-", size="-") -> None:
            status = int(code) if str(code).isdigit() else 0
            phrase = HTTPStatus(status).phrase if status else ""
            client = f"{self.client_address[0]}:{self.client_address[1]}"
            sys.stdout.write(f'INFO:     {client} - "{self.command} {self.path} {self.request_version}" {code} {phrase}\n')
            sys.stdout.flush()

        def log_message(self, format, *args) -> None:
            sys.stderr.write("WARNING:  " + (format % args) + "\n")

    return Handler


def serve(router: Router, host: str, port: int) -> None:
    server = ThreadingHTTPServer((host, port), make_handler(router))
    server.daemon_threads = True
    print(f"INFO:     Started server process", flush=True)
    print(f"INFO:     Uvicorn running on http://{host}:{port} (Press CTRL+C to quit)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        print("INFO:     Shutting down", flush=True)
        server.server_close()
