"""SigV4 signing and sending, against a local HTTP server on the loopback address only."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from botocore.credentials import Credentials
from integration.signing import send, signed_request

REGION = "ap-southeast-2"


class Recorder(BaseHTTPRequestHandler):
    """Answers like the API: 403 without an Authorization header, else echoes what it received."""

    seen: ClassVar[list[dict]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        Recorder.seen.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
        )
        status = 200 if "Authorization" in self.headers else 403
        payload = json.dumps({"message": "ok" if status == 200 else "Missing Authentication Token"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    Recorder.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=60)


def test_signed_get_carries_a_sigv4_authorization_for_execute_api(server):
    credentials = Credentials("AKIDEXAMPLE", "secret", "session-token")
    status, headers, body = send(
        signed_request("GET", f"{server}/qa/orders/abc", REGION, credentials), timeout=5
    )

    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"message": "ok"}
    received = Recorder.seen[0]["headers"]
    assert received["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert f"/{REGION}/execute-api/aws4_request" in received["Authorization"]
    assert "SignedHeaders=host;x-amz-date;x-amz-security-token" in received["Authorization"]
    assert received["X-Amz-Security-Token"] == "session-token"
    assert Recorder.seen[0]["path"] == "/qa/orders/abc"


def test_signed_post_signs_its_body_and_headers(server):
    credentials = Credentials("AKIDEXAMPLE", "secret")
    body = b'{"symbol": "TEST"}'
    request = signed_request(
        "POST", f"{server}/qa/orders", REGION, credentials, body, {"Content-Type": "application/json"}
    )
    status, _, _ = send(request, timeout=60)

    assert status == 200
    received = Recorder.seen[0]
    assert received["body"] == body
    assert "content-type;host;x-amz-date" in received["headers"]["Authorization"]
    assert "X-Amz-Security-Token" not in received["headers"]


def test_error_statuses_are_returned_not_raised(server):
    import urllib.request

    status, headers, body = send(urllib.request.Request(f"{server}/qa/orders/abc", method="GET"), timeout=60)
    assert status == 403
    assert json.loads(body) == {"message": "Missing Authentication Token"}
    assert headers["Content-Type"] == "application/json"
