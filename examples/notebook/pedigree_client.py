"""The little a notebook needs to talk to Pedigree: one GraphQL call that raises on errors.

Reads PEDIGREE_URL (default http://localhost:4000) and PEDIGREE_TOKEN, like the CLI.
"""

import os

import requests

URL = os.environ.get("PEDIGREE_URL", "http://localhost:4000").rstrip("/")


class PedigreeError(Exception):
    """The API's errors; `code` is the first one's extensions.code (CONFLICT, NOT_FOUND, ...)."""

    def __init__(self, errors):
        self.errors = errors
        self.code = errors[0].get("extensions", {}).get("code", "ERROR")
        super().__init__("\n".join(f"{e.get('extensions', {}).get('code', 'ERROR')}: {e['message']}" for e in errors))


TOKEN = os.environ.get("PEDIGREE_TOKEN")
if not TOKEN:
    raise RuntimeError("Set PEDIGREE_TOKEN: the admin token `npm start` printed, or one from `npx pedigree token create`.")

_http = requests.Session()
_http.headers["authorization"] = f"Bearer {TOKEN}"


def gql(query, **variables):
    """Runs one query or mutation and returns its `data`; raises PedigreeError on any error."""
    response = _http.post(f"{URL}/graphql", json={"query": query, "variables": variables}, timeout=60)
    try:
        body = response.json()
    except ValueError:
        # Only a proxy or a crashed server answers without a GraphQL body; say which status it was.
        response.raise_for_status()
        raise
    if body.get("errors"):
        raise PedigreeError(body["errors"])
    return body["data"]
