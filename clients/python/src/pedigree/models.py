"""What reads return: plain frozen records made from the API's answers."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Mapping

from .values import DateTime, decode

ENTRY_FIELDS = "name key group type value display loggedAt loggedBy source execution { id name }"

DATUM_FIELDS = f"""id uri path size sha256 contentType external createdAt
project {{ name }} producer {{ id name }} tags {{ name }} aliases {{ name }}
metadata {{ {ENTRY_FIELDS} }}"""

EXECUTION_FIELDS = f"""id name kind status createdAt startedAt endedAt duration createdBy
commit repository image hardware host commands parameters attempt
project {{ name }} parent {{ id name }} tags {{ name }}
reads {{ inputName alias node {{ id ... on Datum {{ uri path }} ... on ModelVersion {{ versionUri: uri }} ... on DatasetVersion {{ versionUri: uri }} }} }}
outputs {{ id uri path size sha256 }}
metadata {{ {ENTRY_FIELDS} }}"""


def parse_time(value: Any) -> _dt.datetime | None:
    return DateTime.of(value) if value else None


@dataclass(frozen=True)
class MetadataEntry:
    """One logged value: `name` is its address (`group.key`), `value` its typed value."""

    name: str
    key: str
    group: str | None
    type: str
    value: Any
    display: str
    logged_at: _dt.datetime | None
    logged_by: str
    source: str
    execution_id: str | None

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> MetadataEntry:
        execution = raw.get("execution") or {}
        return cls(
            name=raw["name"],
            key=raw["key"],
            group=raw.get("group"),
            type=raw["type"],
            value=decode(raw["type"], raw.get("value")),
            display=raw.get("display", ""),
            logged_at=parse_time(raw.get("loggedAt")),
            logged_by=raw.get("loggedBy", ""),
            source=raw.get("source", ""),
            execution_id=execution.get("id"),
        )


def _metadata(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {entry["name"]: decode(entry["type"], entry.get("value")) for entry in raw.get("metadata") or []}


def _names(items: Any) -> tuple[str, ...]:
    return tuple(item["name"] for item in items or [])


@dataclass(frozen=True)
class Datum:
    """A file or external object. `metadata` maps each current value's name (`group.key`)
    to its value; a datum recorded offline has a client-made id (`local-…`) until synced."""

    id: str
    uri: str
    path: str | None
    size: int | None = None
    sha256: str | None = None
    content_type: str | None = None
    external: bool = False
    created_at: _dt.datetime | None = None
    project: str | None = None
    producer_id: str | None = None
    producer_name: str | None = None
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)

    # by id, so that datums go in sets and dict keys although their metadata is a dict
    def __hash__(self) -> int:
        return hash(self.id)

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> Datum:
        producer = raw.get("producer") or {}
        return cls(
            id=raw["id"],
            uri=raw["uri"],
            path=raw.get("path"),
            size=int(raw["size"]) if raw.get("size") is not None else None,
            sha256=raw.get("sha256"),
            content_type=raw.get("contentType"),
            external=bool(raw.get("external", False)),
            created_at=parse_time(raw.get("createdAt")),
            project=(raw.get("project") or {}).get("name"),
            producer_id=producer.get("id"),
            producer_name=producer.get("name"),
            tags=_names(raw.get("tags")),
            aliases=_names(raw.get("aliases")),
            metadata=_metadata(raw),
        )


@dataclass(frozen=True)
class Input:
    """Something an execution read: `name` is its input name, `alias` the alias it came through."""

    name: str
    id: str
    uri: str | None
    path: str | None
    alias: str | None


@dataclass(frozen=True)
class Execution:
    """One run of code with its reproducibility record, what it read and wrote, and its metadata."""

    id: str
    name: str
    kind: str
    status: str
    project: str | None = None
    parent_id: str | None = None
    created_at: _dt.datetime | None = None
    started_at: _dt.datetime | None = None
    ended_at: _dt.datetime | None = None
    duration: float | None = None
    created_by: str | None = None
    commit: str | None = None
    repository: str | None = None
    image: str | None = None
    hardware: str | None = None
    host: str | None = None
    commands: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)
    attempt: int = 1
    tags: tuple[str, ...] = ()
    inputs: tuple[Input, ...] = ()
    outputs: tuple[Datum, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash(self.id)

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> Execution:
        return cls(
            id=raw["id"],
            name=raw["name"],
            kind=raw["kind"],
            status=raw["status"],
            project=(raw.get("project") or {}).get("name"),
            parent_id=(raw.get("parent") or {}).get("id"),
            created_at=parse_time(raw.get("createdAt")),
            started_at=parse_time(raw.get("startedAt")),
            ended_at=parse_time(raw.get("endedAt")),
            duration=raw.get("duration"),
            created_by=raw.get("createdBy"),
            commit=raw.get("commit"),
            repository=raw.get("repository"),
            image=raw.get("image"),
            hardware=raw.get("hardware"),
            host=raw.get("host"),
            commands=tuple(raw.get("commands") or ()),
            parameters=dict(raw.get("parameters") or {}),
            attempt=int(raw.get("attempt") or 1),
            tags=_names(raw.get("tags")),
            inputs=tuple(
                Input(r["inputName"], r["node"]["id"], r["node"].get("uri") or r["node"].get("versionUri"), r["node"].get("path"), r.get("alias"))
                for r in raw.get("reads") or []
            ),
            outputs=tuple(Datum.from_api(d) for d in raw.get("outputs") or []),
            metadata=_metadata(raw),
        )


@dataclass(frozen=True)
class AliasMove:
    """One move of an alias: from and to are datum ids (from is None for the first move)."""

    from_id: str | None
    to_id: str
    by: str
    at: _dt.datetime | None
    reason: str | None
