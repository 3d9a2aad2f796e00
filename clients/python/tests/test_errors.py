"""Errors carry the API's code, field and message; SERVICE_UNAVAILABLE is retried."""

from __future__ import annotations

import os
import select
import socket
import socketserver
import subprocess
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from pedigree import (
    BadUserInputError,
    DType,
    ForbiddenError,
    LimitExceededError,
    NotFoundError,
    OfflineError,
    Pedigree,
    PedigreeError,
    ServiceUnavailableError,
    UnauthenticatedError,
    UnreachableError,
)
from support import write

REPO = Path(__file__).resolve().parents[3]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_bad_input_names_the_field(pd: Pedigree) -> None:
    with pd.run("train", capture_environment=False) as run:
        with pytest.raises(BadUserInputError) as system:
            run.log_metadata({"system": {"host": "mine"}})
        with pytest.raises(BadUserInputError) as dtype:
            run.log_metadata({"columns": {"amount": DType("money")}})
    assert system.value.code == "BAD_USER_INPUT" and system.value.field == "metadata.system"
    assert "written by Pedigree alone" in system.value.message
    assert dtype.value.field == "metadata.columns.amount" and "DType must be" in dtype.value.message
    assert isinstance(dtype.value, ValueError)  # also catchable as what it is
    assert str(dtype.value).startswith("BAD_USER_INPUT: ")


def test_not_found_forbidden_unauthenticated_and_limits(pd: Pedigree, project: str, workdir: Path) -> None:
    with pytest.raises(NotFoundError) as missing:
        pd.graphql("mutation($id: ID!) { startExecution(id: $id) { id } }", {"id": str(uuid.uuid4())})
    assert missing.value.code == "NOT_FOUND"
    with pytest.raises(NotFoundError):
        pd.execution(str(uuid.uuid4()))

    created = pd.graphql(
        "mutation($p: [String!]!) { createToken(name: $n, role: reader, projects: $p) { token } }".replace("$n", '"sdk-reader"'),
        {"p": [project]},
    )["createToken"]["token"]
    with Pedigree(token=created, project=project) as reader:
        with pytest.raises(ForbiddenError) as forbidden:
            with reader.run("train", capture_environment=False):
                pass
        assert forbidden.value.code == "FORBIDDEN"
        assert reader.datums().count() == 0  # reading is allowed

    with Pedigree(token="pdg_not_a_token", project=project) as stranger:
        with pytest.raises(UnauthenticatedError) as unauthenticated:
            stranger.datums().count()
    assert unauthenticated.value.code == "UNAUTHENTICATED"

    with pd.run("train", capture_environment=False) as run:
        (datum,) = run.outputs(write(workdir / "m.bin", "m"))
    with pytest.raises(LimitExceededError) as limit:
        pd.lineage(datum, depth=900)
    assert limit.value.code == "LIMIT_EXCEEDED" and "900" in limit.value.message


def test_client_side_errors_say_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PEDIGREE_TOKEN")
    with pytest.raises(UnauthenticatedError, match="PEDIGREE_TOKEN"):
        Pedigree()
    with pytest.raises(OfflineError) as offline:
        Pedigree(offline=True).datums(project="x").count()
    assert offline.value.code == "OFFLINE"

    client = Pedigree(url=f"http://127.0.0.1:{closed_port()}", token="t", retries=2, backoff=0.01)
    with pytest.raises(UnreachableError) as unreachable:
        client.execution("x")
    assert unreachable.value.code == "UNREACHABLE" and not unreachable.value.sent
    assert client.transport.retried == 2
    assert isinstance(unreachable.value, PedigreeError) and isinstance(unreachable.value, ConnectionError)


class Forwarder:
    """Forwards TCP connections from a local port to Neo4j's Bolt port once `open()` is
    called; until then nothing listens there, as when the database is down."""

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.port, self.target = port, target
        self.server: socketserver.ThreadingTCPServer | None = None

    def open(self) -> None:
        target = self.target

        class Pipe(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with socket.create_connection(target) as upstream:
                    pair = {self.request: upstream, upstream: self.request}
                    while True:
                        ready, _, _ = select.select(list(pair), [], [], 1.0)
                        for end in ready:
                            chunk = end.recv(65536)
                            if not chunk:
                                return
                            pair[end].sendall(chunk)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), Pipe)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


def answers(url: str) -> bool:
    try:
        httpx.get(f"{url}/healthz", timeout=5)
        return True
    except httpx.TransportError:
        return False


def test_service_unavailable_is_retried_until_the_database_answers(workdir: Path) -> None:
    """A second API on the same Neo4j, started while that Neo4j cannot be reached (its Bolt
    address is a port nobody listens on yet): it answers SERVICE_UNAVAILABLE with
    Retry-After. The SDK gives up after its retries, or, given enough, rides out the outage
    and gets its answer once the port starts forwarding to Neo4j."""
    bolt_host, bolt_port = httpx.get(f"{os.environ['PEDIGREE_URL']}/readyz", timeout=10).json()["neo4j"]["address"].rsplit(":", 1)
    database = Forwarder(closed_port(), (bolt_host, int(bolt_port)))
    api_port = closed_port()
    url, token = f"http://127.0.0.1:{api_port}", os.environ["PEDIGREE_TOKEN"]
    env = {**os.environ, "PORT": str(api_port), "NEO4J_URI": f"bolt://127.0.0.1:{database.port}", "PEDIGREE_ADMIN_TOKEN": token, "PEDIGREE_LOG_LEVEL": "warn"}
    server = subprocess.Popen(["node", "bin/pedigree.js", "start"], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=(workdir / "api.log").open("w"))
    try:
        deadline = time.monotonic() + 30
        while not answers(url):
            assert server.poll() is None and time.monotonic() < deadline, (workdir / "api.log").read_text()
            time.sleep(0.1)
        with Pedigree(url=url, token=token, retries=2, backoff=0.1) as impatient:
            started = time.monotonic()
            with pytest.raises(ServiceUnavailableError) as unavailable:
                impatient.graphql("{ status { version } }")
            waited = time.monotonic() - started
        assert unavailable.value.code == "SERVICE_UNAVAILABLE" and unavailable.value.retry_after == 1.0
        assert impatient.transport.retried == 2 and waited >= 2.0  # Retry-After: 1, honoured twice

        threading.Timer(1.0, database.open).start()
        with Pedigree(url=url, token=token, retries=30, backoff=0.2) as patient:
            assert patient.graphql("{ status { version } }")["status"]["version"]
            assert patient.transport.retried >= 1
    finally:
        server.terminate()
        server.wait(timeout=30)
        database.close()
