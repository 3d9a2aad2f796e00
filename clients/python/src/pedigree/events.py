"""Change events as they commit: the API's `events` subscription over WebSocket
(protocol graphql-transport-ws at /graphql), read with a blocking client."""

from __future__ import annotations

import collections
import contextlib
import datetime as _dt
import json
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Mapping, Sequence

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from .errors import EventTimeoutError, PedigreeError, UnauthenticatedError, UnreachableError, error_from_graphql
from .transport import graphql_endpoint
from .values import DateTime

PROTOCOL = Subprotocol("graphql-transport-ws")

EVENTS_QUERY = """subscription($project: String!, $types: [String!]) {
  events(project: $project, types: $types) { id type project seq at by data }
}"""

#: The one operation a subscription runs, by its protocol id.
OPERATION_ID = "events"

#: What the API's close codes mean and what to do about them.
REFUSALS = {
    4401: "the API closed the subscription without a token (4401): set PEDIGREE_TOKEN or pass token=",
    4403: "the API refused the token (4403: {reason}): it is unknown or was revoked; "
    "set PEDIGREE_TOKEN to a live token of this API (`pedigree token create` makes one)",
}


@dataclass(frozen=True)
class ChangeEvent:
    """A change that committed: `type` (alias.moved, model_version.status_changed, …), its
    project, `seq` its place in the project's order of commits (1, 2, 3, … with no gaps),
    when (`at`) and by whom (`by`, the token's principal), and `data`: ids and the values
    before and after (a status change has `versionId`, `uri`, `from`, `to`, `comment`)."""

    id: str
    type: str
    project: str
    seq: int
    at: _dt.datetime
    by: str
    data: dict[str, Any] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash(self.id)

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> ChangeEvent:
        return cls(
            id=raw["id"],
            type=raw["type"],
            project=raw["project"],
            seq=int(raw["seq"]),
            at=DateTime.of(raw["at"]),
            by=raw["by"],
            data=dict(raw.get("data") or {}),
        )


def websocket_url(url: str) -> str:
    """The API's /graphql as a WebSocket address: http becomes ws, https wss."""
    endpoint = graphql_endpoint(url)
    for http, ws in (("https://", "wss://"), ("http://", "ws://")):
        if endpoint.startswith(http):
            return ws + endpoint[len(http) :]
    return endpoint


class Events:
    """A project's change events as they commit, oldest first: an iterator of ChangeEvent
    and a context manager that ends the subscription. Made by `Pedigree.events(...)`.

    Once made, it hears every change that commits afterwards, through any API replica:
    it returns only when the API has acknowledged the connection and answered a ping
    sent after the subscribe message, by which time no later request can reach the API
    before the subscription listens (see `_start`). A change made after `pd.events(...)`
    returns is therefore never missed; changes committed before it are not replayed.

    `next(timeout)` waits at most `timeout` seconds (the `timeout` given when it was made
    when None; forever when both are None) and raises EventTimeoutError, after which
    waiting again is fine. A refused token raises UnauthenticatedError, a project outside
    the token ForbiddenError, a lost connection UnreachableError (events committed while
    disconnected are not delivered: subscribe again and query what you missed).
    """

    def __init__(
        self,
        url: str,
        token: str | None,
        project: str,
        types: Sequence[str] | None = None,
        *,
        timeout: float | None = None,
        open_timeout: float = 10.0,
    ) -> None:
        self.url = websocket_url(url)
        self.project = project
        self.types = list(types) if types is not None else None
        self.timeout = timeout
        self._queue: collections.deque[ChangeEvent] = collections.deque()
        self._ended = False
        # entered as a context manager, as websockets asks of a connection kept open
        self._connection = contextlib.ExitStack()
        self._ws = self._connection.enter_context(self._connect(open_timeout))
        try:
            self._start(token, time.monotonic() + open_timeout)
        except BaseException:
            self._connection.close()
            raise

    def __repr__(self) -> str:
        return f"<Events {self.project} {','.join(self.types) if self.types else 'all types'} at {self.url}>"

    def __enter__(self) -> Events:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def __iter__(self) -> Events:
        return self

    def __next__(self) -> ChangeEvent:
        return self.next()

    def next(self, timeout: float | None = None) -> ChangeEvent:
        """The next event, waiting at most `timeout` seconds (else the subscription's own
        timeout; forever when both are None). Raises StopIteration once the API ended the
        subscription."""
        wait = self.timeout if timeout is None else timeout
        deadline = None if wait is None else time.monotonic() + wait
        while not self._queue:
            if self._ended:
                raise StopIteration
            try:
                self._handle(self._receive(deadline))
            except TimeoutError:
                raise EventTimeoutError(
                    f"no {' or '.join(self.types) if self.types else 'change'} event in project '{self.project}' within {wait:g} s; "
                    "the subscription is still open: wait again, or give next() a longer timeout"
                ) from None
        return self._queue.popleft()

    def close(self) -> None:
        """Ends the subscription and its connection (leaving a `with` block does it)."""
        if not self._ended:
            self._ended = True
            try:
                self._send({"id": OPERATION_ID, "type": "complete"})
            except PedigreeError:
                pass  # already closed by the API: nothing left to end
        self._connection.close()

    # -- the protocol ---------------------------------------------------------------------------

    def _connect(self, open_timeout: float) -> ClientConnection:
        try:
            return connect(self.url, subprotocols=[PROTOCOL], open_timeout=open_timeout)
        except InvalidStatus as refused:
            status = refused.response.status_code
            raise PedigreeError(
                f"the API at {self.url} answered HTTP {status} instead of opening a WebSocket: "
                "an API without subscriptions, or a proxy in between that does not pass WebSockets",
                code="HTTP_ERROR",
            ) from refused
        except InvalidURI as invalid:
            raise ValueError(f"PEDIGREE_URL must be an http(s) address, got {self.url!r}") from invalid
        except (OSError, TimeoutError, InvalidHandshake) as failure:
            raise UnreachableError(f"cannot open a WebSocket to {self.url} ({failure}); is the API running? set PEDIGREE_URL", sent=False) from failure

    def _start(self, token: str | None, deadline: float) -> None:
        """Authenticates, subscribes, and returns once the API has set up the subscription.

        The protocol does not acknowledge a subscribe message, so a ping follows it. The
        API reads a connection's messages in order and sets up an `events` subscription
        in the same turn of its event loop as it reads the message (nothing in between
        waits on I/O); so once it has answered the ping, any change requested afterwards
        commits while the subscription listens, and the replica serving it reads the
        outbox past what it had read, wherever the change was made. The pong may still leave in that same turn, ahead of
        what setting up the subscription answers (a refusal such as FORBIDDEN); a second
        ping comes back only after it, so that a refusal is raised here rather than on
        the first next()."""
        if self._ws.subprotocol != PROTOCOL:
            raise PedigreeError(f"the API at {self.url} does not speak {PROTOCOL}: it is not a Pedigree API with subscriptions", code="HTTP_ERROR")
        self._send({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"} if token else {}})
        while self._receive_in_time(deadline).get("type") != "connection_ack":
            pass
        self._send(
            {"id": OPERATION_ID, "type": "subscribe", "payload": {"query": EVENTS_QUERY, "variables": {"project": self.project, "types": self.types}}}
        )
        for _ in range(2):
            self._send({"type": "ping"})
            while (message := self._receive_in_time(deadline)).get("type") != "pong":
                self._handle(message)
        if self._ended and not self._queue:
            raise PedigreeError(f"the API ended the subscription to project '{self.project}' as soon as it began", code="ERROR")

    def _receive_in_time(self, deadline: float) -> dict[str, Any]:
        try:
            return self._receive(deadline)
        except TimeoutError:
            raise UnreachableError(f"the API at {self.url} did not set up the subscription in time; is it overloaded?", sent=True) from None

    def _receive(self, deadline: float | None) -> dict[str, Any]:
        """The next protocol message (TimeoutError past the deadline); the API's pings are answered."""
        while True:
            try:
                raw = self._ws.recv(timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
            except ConnectionClosed as closed:
                self._ended = True
                raise self._closed(closed) from None
            message = json.loads(raw)
            if not isinstance(message, dict):
                raise PedigreeError(f"the API at {self.url} sent a message that is not a graphql-transport-ws one: {raw!r:.200}")
            if message.get("type") == "ping":
                self._send({"type": "pong"})
                continue
            return message

    def _handle(self, message: Mapping[str, Any]) -> None:
        """Queues an event, raises a refusal, notes the end."""
        kind = message.get("type")
        payload = message.get("payload")
        if kind == "next" and isinstance(payload, dict):
            if payload.get("errors"):
                self.close()
                raise error_from_graphql(payload["errors"])
            self._queue.append(ChangeEvent.from_api(payload["data"]["events"]))
        elif kind == "error":
            self.close()
            raise error_from_graphql(payload if isinstance(payload, list) and payload else [{"message": "the API refused the subscription"}])
        elif kind == "complete":
            self._ended = True

    def _send(self, message: Mapping[str, Any]) -> None:
        try:
            self._ws.send(json.dumps(message))
        except ConnectionClosed as closed:
            self._ended = True
            raise self._closed(closed) from None

    def _closed(self, closed: ConnectionClosed) -> PedigreeError:
        """The error a closed connection means: a refused token, or a connection lost."""
        code, reason = (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else (None, "")
        if code in REFUSALS:
            return UnauthenticatedError(REFUSALS[code].format(reason=reason or "no reason given"))
        return UnreachableError(
            f"the connection to {self.url} ended ({code if code is not None else 'no close frame'}{f': {reason}' if reason else ''}); "
            "events committed while disconnected are not delivered: subscribe again and query what you missed",
            sent=True,
        )
