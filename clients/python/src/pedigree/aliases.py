"""Aliases: movable names for datums, moved with compare-and-set."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any, Mapping

from .models import DATUM_FIELDS, AliasMove, Datum, parse_time

if TYPE_CHECKING:
    from .client import Pedigree

ALIAS_FIELDS = f"name protected updatedAt updatedBy target {{ {DATUM_FIELDS} }}"


class _Seen:
    def __repr__(self) -> str:
        return "<the target this handle last saw>"


#: `expected` by default: where the alias pointed when this handle last read or moved it.
SEEN: Any = _Seen()


class Alias:
    """An alias as last read: `target` is the datum it pointed to then (None for an alias
    that does not exist yet). `move` is compare-and-set against that reading, so two people
    who read the same alias cannot silently overwrite each other's move."""

    def __init__(self, client: Pedigree, project: str, name: str, raw: Mapping[str, Any] | None) -> None:
        self._client = client
        self.project = project
        self.name = name
        self._read(raw)

    def _read(self, raw: Mapping[str, Any] | None) -> None:
        raw = raw or {}
        self.exists = bool(raw)
        target = raw.get("target")
        self.target: Datum | None = Datum.from_api(target) if target else None
        self.protected: bool = bool(raw.get("protected", False))
        self.updated_at: _dt.datetime | None = parse_time(raw.get("updatedAt"))
        self.updated_by: str | None = raw.get("updatedBy")

    def __repr__(self) -> str:
        return f"<Alias {self.project}/{self.name} -> {self.target.id if self.target else None}>"

    @property
    def uri(self) -> str:
        return f"datum://{self.name}"

    def refresh(self) -> Alias:
        """Reads the alias again (and so the target the next move expects)."""
        data = self._client.graphql(
            f"query($project: String!, $name: String!) {{ alias(project: $project, name: $name) {{ {ALIAS_FIELDS} }} }}",
            {"project": self.project, "name": self.name},
        )
        self._read(data["alias"])
        return self

    def move(self, to: Datum | str, *, expected: Datum | str | None = SEEN, reason: str | None = None) -> Alias:
        """Points the alias at `to` (a Datum, a datum id or a datum:// URI) if it still points
        at `expected`: by default the target this handle last saw; pass another datum to
        expect that one, or None to move whatever it points to. A stale expectation raises
        ConflictError and moves nothing; read again with `refresh()` and decide."""
        if expected is SEEN:
            expected = self.target
        data = self._client.graphql(
            f"""mutation($project: String!, $name: String!, $datum: ID!, $expected: ID, $reason: String) {{
              setAlias(project: $project, name: $name, datumId: $datum, expectedDatumId: $expected, reason: $reason) {{ {ALIAS_FIELDS} }}
            }}""",
            {
                "project": self.project,
                "name": self.name,
                "datum": self._client.datum_id(to, project=self.project),
                "expected": None if expected is None else self._client.datum_id(expected, project=self.project),
                "reason": reason,
            },
        )
        self._read(data["setAlias"])
        return self

    def history(self, first: int = 50) -> list[AliasMove]:
        """Its moves, newest first."""
        data = self._client.graphql(
            """query($project: String!, $name: String!, $first: Int) {
              alias(project: $project, name: $name) { history(first: $first) { edges { node { from { id } to { id } by at reason } } } }
            }""",
            {"project": self.project, "name": self.name, "first": first},
        )
        edges = (data["alias"] or {}).get("history", {}).get("edges", [])
        return [
            AliasMove(
                from_id=(e["node"]["from"] or {}).get("id"),
                to_id=e["node"]["to"]["id"],
                by=e["node"]["by"],
                at=parse_time(e["node"]["at"]),
                reason=e["node"]["reason"],
            )
            for e in edges
        ]
