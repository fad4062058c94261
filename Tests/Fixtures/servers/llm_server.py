"""A scripted LLM server for tests: speaks the OpenAI chat-completions and the Anthropic
Messages wire formats on loopback.

LLM_SCRIPT names a JSON file: a list of steps, one per request, in order (the last one
repeats) — or, for steps with "match", the first step whose "match" text is in the request.
A step with "requires" (a list of texts) answers only when the prompt shows every one of them
(the file to change and the lines that must change): a prompt that lacks the evidence gets
a prose answer with no edit instead, so a test cannot pass by luck. A step with "default"
answers any request no "match" step matched. A "match" step with "once": true answers one
request only (the next matching step answers the ones after it).
A step: {"content": "answer text"} or {"status": 429, "headers": {"Retry-After": "1"},
"body": "..."} or {"delay": 5} (sleep before answering) or {"usage": false} (leave usage out).
With LLM_GATE naming a file, no answer goes out while that file exists: a test holds a
client in the middle of its request for as long as it needs.
LLM_LOG names a file that gets one JSON line per request: path, headers, body; LLM_LOG.spans
gets one per answered request: when it arrived and when its answer went out (seconds).
GET /v1/models (and /models) answers the model list as OpenAI and Anthropic do. With
LLM_REQUIRED_KEY set, every request must carry that key (Authorization: Bearer, x-api-key or
api-key), else it is refused with 401 in the provider's error format, as the real ones do.
"""
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCRIPT = json.load(open(os.environ["LLM_SCRIPT"]))
REQUIRED_KEY = os.environ.get("LLM_REQUIRED_KEY")
LOG = os.environ["LLM_LOG"]
GATE = os.environ.get("LLM_GATE")
lock = threading.Lock()
served = {"count": 0}
spent = set()


def prompt_text(body):
    """What the model is shown: the system text and every message, decoded."""
    try:
        request = json.loads(body or "{}")
    except ValueError:
        return ""
    parts = [request.get("system") or ""]
    for message in request.get("messages", []):
        content = message.get("content")
        if isinstance(content, list):
            parts += [block.get("text", "") for block in content if isinstance(block, dict)]
        else:
            parts.append(content or "")
    return "\n".join(part if isinstance(part, str) else json.dumps(part) for part in parts)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def _send(self, status, body, headers=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _key_refused(self):
        """Answers 401 as the provider would when the required key is missing or wrong."""
        if not REQUIRED_KEY:
            return False
        given = [self.headers.get("x-api-key"), self.headers.get("api-key")]
        authorization = self.headers.get("Authorization") or ""
        if authorization.startswith("Bearer "):
            given.append(authorization[len("Bearer "):])
        if REQUIRED_KEY in given:
            return False
        if self.path.startswith("/v1/messages") or self.headers.get("anthropic-version"):
            body = {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}
        else:
            body = {"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error",
                              "param": None, "code": "invalid_api_key"}}
        self._send(401, json.dumps(body))
        return True

    def do_GET(self):
        if self.path in ("/v1/models", "/models"):
            if not self._key_refused():
                self._send(200, json.dumps({"object": "list", "data": [
                    {"id": "m", "object": "model", "created": 0, "owned_by": "test"},
                    {"id": "test-model", "object": "model", "created": 0, "owned_by": "test"}]}))
        elif self.path == "/health":
            self._send(200, '{"ok": true}')
        elif self.path == "/requests":
            with lock:
                self._send(200, json.dumps({"count": served["count"]}))
        else:
            self._send(404, '{"error": "not found"}')

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        received = time.time()
        with lock:
            index = served["count"]
            served["count"] += 1
            with open(LOG, "a") as log:
                log.write(json.dumps({"path": self.path, "headers": dict(self.headers.items()), "body": body}) + "\n")
        if self._key_refused():
            return
        shown = prompt_text(body)
        with lock:
            matching = [(number, step) for number, step in enumerate(SCRIPT) if "match" in step and number not in spent
                        and (step["match"] in body or step["match"] in shown)]
            evidenced = [(number, step) for number, step in matching
                         if all(text in shown for text in step.get("requires", []))]
            if evidenced and evidenced[0][1].get("once"):
                spent.add(evidenced[0][0])
        defaults = [step for step in SCRIPT if step.get("default")]
        if matching:
            step = evidenced[0][1] if evidenced else {"content": "The prompt does not show the code that must change, so I cannot write a fix."}
        elif defaults:
            step = defaults[0]
        else:
            step = SCRIPT[min(index, len(SCRIPT) - 1)]
        while GATE and os.path.exists(GATE):
            time.sleep(0.02)
        time.sleep(step.get("delay", 0))
        with lock:
            with open(LOG + ".spans", "a") as spans:
                spans.write(json.dumps({"index": index, "received": received, "answered": time.time()}) + "\n")
        status = step.get("status", 200)
        if "body" in step or status != 200:
            self._send(status, step.get("body", '{"error": {"message": "scripted failure"}}'), step.get("headers"))
            return
        content = step.get("content", "")
        request = json.loads(body or "{}")
        if self.path.endswith("/v1/messages"):
            reply = {"id": f"msg_{index}", "type": "message", "role": "assistant", "model": request.get("model", "test"),
                     "content": [{"type": "text", "text": content}], "stop_reason": "end_turn",
                     "usage": {"input_tokens": 100 + index, "output_tokens": 20 + index}}
        else:
            reply = {"id": f"chatcmpl-{index}", "object": "chat.completion", "model": request.get("model", "test"),
                     "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                     "usage": {"prompt_tokens": 100 + index, "completion_tokens": 20 + index, "total_tokens": 120 + 2 * index}}
        if step.get("usage") is False:
            reply.pop("usage")
        self._send(200, json.dumps(reply), step.get("headers"))

    def log_message(self, format, *args):
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
    server.daemon_threads = True
    print("llm test server ready", flush=True)
    server.serve_forever()
