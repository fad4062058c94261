"""A loopback HTTP/1.1 server for client tests and benchmarks.

GET  /ok           200 "ok" (zero work)
GET  /connections  200 with the number of distinct client connections seen so far
GET  /slow?s=N     answers after N seconds
GET  /big?n=N      200 with N bytes
POST /echo         200 with the request body, headers as JSON
GET  /close        closes the connection without answering
"""
import json
import os
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

connections = set()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def _reply(self, status, body, content_type="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
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
        elif url.path == "/close":
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
        else:
            self._reply(404, b'{"detail": "Not Found"}', "application/json")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        reply = {"body": body.decode(), "headers": {k.lower(): v for k, v in self.headers.items()}, "path": self.path}
        self._reply(200, json.dumps(reply).encode(), "application/json")

    do_PATCH = do_PUT = do_DELETE = do_POST

    def log_message(self, format, *args):
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer((os.environ.get("HOST", "127.0.0.1"), int(os.environ["PORT"])), Handler)
    server.daemon_threads = True
    print("probe server ready", flush=True)
    server.serve_forever()
