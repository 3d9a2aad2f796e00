"""Read-your-writes across replicas: the bookmark a response carries goes back on the next
request. The API does not send bookmarks yet, so this one test talks to a local stub."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest

from pedigree import Pedigree


class Stub(BaseHTTPRequestHandler):
    seen: list[str | None] = []
    answers: list[str | None] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        Stub.seen.append(self.headers.get("pedigree-bookmark"))
        body = json.dumps({"data": {"status": {"version": "stub"}}}).encode()
        self.send_response(200)
        bookmark = Stub.answers.pop(0)
        if bookmark:
            self.send_header("Pedigree-Bookmark", bookmark)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stub() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_the_latest_bookmark_is_sent_back(stub: str) -> None:
    Stub.seen, Stub.answers = [], ["bm-1", None, "bm-2", None]
    with Pedigree(url=stub, token="t") as client:
        for _ in range(4):
            client.graphql("{ status { version } }")
    assert Stub.seen == [None, "bm-1", "bm-1", "bm-2"]
