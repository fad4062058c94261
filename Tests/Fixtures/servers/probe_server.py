"""A loopback HTTP/1.1 server for client tests and benchmarks.

GET  /ok           200 "ok" (zero work)
GET  /connections  200 with the number of distinct client connections seen so far
GET  /slow?s=N     answers after N seconds
GET  /big?n=N      200 with N bytes
POST /echo         200 with the request body, headers as JSON
GET  /close        closes the connection without answering
GET  /fail         500 "failed"
GET  /requests     200 with the number of GET requests answered (not counting these), and
                   the most that were in flight at once ("12 3")
GET/HEAD /echo     as POST /echo (GET with its method and body, to see what was sent)
"""
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

connections = set()
lock = threading.Lock()
counts = {"answered": 0, "in_flight": 0, "most": 0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def _reply(self, status, body, content_type="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        with lock:
            counts["in_flight"] += 1
            counts["most"] = max(counts["most"], counts["in_flight"])
        try:
            self._get()
        finally:
            with lock:
                counts["in_flight"] -= 1
                if not self.path.startswith("/requests"):
                    counts["answered"] += 1

    def _get(self):
        connections.add(self.client_address)
        url = urlparse(self.path)
        query = parse_qs(url.query)
        if url.path == "/ok":
            self._reply(200, b"ok")
        elif url.path == "/connections":
            self._reply(200, str(len(connections)).encode())
        elif url.path == "/slow":
            time.sleep(float(query.get("s", ["3"])[0]))
            self._reply(200, b"late")
        elif url.path == "/big":
            self._reply(200, b"x" * int(query.get("n", ["1000"])[0]))
        elif url.path == "/fail":
            self._reply(500, b"failed")
        elif url.path == "/requests":
            with lock:
                self._reply(200, f'{counts["answered"]} {counts["most"]}'.encode())
        elif url.path == "/echo":
            self.do_POST()
        elif url.path == "/close":
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
        else:
            self._reply(404, b'{"detail": "Not Found"}', "application/json")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        reply = {"body": body.decode(), "headers": {k.lower(): v for k, v in self.headers.items()}, "path": self.path,
                 "method": self.command}
        self._reply(200, json.dumps(reply).encode(), "application/json")

    do_PATCH = do_PUT = do_DELETE = do_POST
    do_HEAD = do_GET

    def log_message(self, format, *args):
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer((os.environ.get("HOST", "127.0.0.1"), int(os.environ["PORT"])), Handler)
    server.daemon_threads = True
    print("probe server ready", flush=True)
    server.serve_forever()
