"""One GraphQL request over HTTP: the token, the bookmark, retries, coded errors."""

from __future__ import annotations

import random
import time
from typing import Any, Mapping

import httpx

from .errors import PedigreeError, ServiceUnavailableError, UnreachableError, error_from_graphql

BOOKMARK_HEADER = "Pedigree-Bookmark"

#: The longest single wait between two tries, whatever Retry-After says.
MAX_BACKOFF_SECONDS = 10.0


def graphql_endpoint(url: str) -> str:
    """`http://host:4000`, `http://host:4000/` and `http://host:4000/graphql` all mean the same API."""
    base = url.rstrip("/")
    return base if base.endswith("/graphql") else f"{base}/graphql"


class Transport:
    """Sends GraphQL documents to one API with one token.

    A request the API refused as SERVICE_UNAVAILABLE (HTTP 503, answered before anything
    ran) or that could not be sent at all (connection refused) is tried again up to
    `retries` times, waiting `backoff` seconds doubled at each try (or the API's
    Retry-After when longer), with jitter. A request that was sent and then lost (a read
    timeout) is not retried: it may have been applied.

    Read-your-writes across replicas: the API answers a write with a `Pedigree-Bookmark`
    header; the latest one is sent back on every later request, so whichever replica
    serves it waits for that state first.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 60.0,
        retries: int = 5,
        backoff: float = 0.5,
    ) -> None:
        self.endpoint = graphql_endpoint(url)
        #: Subscriptions open their own connection with it.
        self.token = token
        self.retries = retries
        self.backoff = backoff
        self.bookmark: str | None = None
        #: How many tries were made again since this transport was made (for diagnostics).
        self.retried = 0
        self._http = httpx.Client(timeout=timeout)
        self._headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}

    def close(self) -> None:
        self._http.close()

    def request(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Runs one document and returns its `data`; raises the PedigreeError of the first error."""
        body = {"query": query, "variables": dict(variables or {})}
        attempt = 0
        while True:
            try:
                return self._send(body)
            except (ServiceUnavailableError, UnreachableError) as error:
                if attempt >= self.retries or (isinstance(error, UnreachableError) and error.sent):
                    raise
                hint = error.retry_after if isinstance(error, ServiceUnavailableError) else None
                wait = max(self.backoff * 2**attempt, hint or 0.0)
                time.sleep(min(wait, MAX_BACKOFF_SECONDS) * random.uniform(1.0, 1.25))
                attempt += 1
                self.retried += 1

    def _send(self, body: Mapping[str, Any]) -> dict[str, Any]:
        headers = dict(self._headers)
        if self.bookmark:
            headers[BOOKMARK_HEADER] = self.bookmark
        try:
            response = self._http.post(self.endpoint, json=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout) as failure:
            raise UnreachableError(f"cannot reach the API at {self.endpoint} ({failure}); is it running? set PEDIGREE_URL", sent=False) from failure
        except httpx.TransportError as failure:
            raise UnreachableError(
                f"the request to {self.endpoint} failed after it was sent ({failure!r}); it may or may not have been applied",
                sent=True,
            ) from failure
        bookmark = response.headers.get(BOOKMARK_HEADER)
        if bookmark:
            self.bookmark = bookmark
        try:
            payload = response.json()
        except ValueError:
            payload = None
        error: PedigreeError | None = None
        if isinstance(payload, dict) and payload.get("errors"):
            error = error_from_graphql(payload["errors"])
        if response.status_code == 503 and not isinstance(error, ServiceUnavailableError):
            message = error.message if error else f"the API at {self.endpoint} is unavailable (HTTP 503)"
            error = ServiceUnavailableError(message, extensions=error.extensions if error else None, errors=error.errors if error else ())
        if isinstance(error, ServiceUnavailableError):
            error.retry_after = _seconds(response.headers.get("retry-after"))
        if error:
            raise error
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
            raise PedigreeError(f"the API at {self.endpoint} answered HTTP {response.status_code} without a GraphQL body", code="HTTP_ERROR")
        data: dict[str, Any] = payload["data"]
        return data


def _seconds(retry_after: str | None) -> float | None:
    """Retry-After in seconds; its HTTP-date form is not worth parsing for a hint."""
    try:
        return float(retry_after) if retry_after is not None else None
    except ValueError:
        return None
