"""`Pedigree`: the client a notebook or a training script holds."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Mapping, Sequence, TypeVar

from .aliases import ALIAS_FIELDS, Alias
from .diff import DIFF_QUERY, LineageDiff
from .events import Events
from .errors import NotFoundError, OfflineError, ServiceUnavailableError, UnauthenticatedError, UnreachableError
from .frames import comparison_frame, datums_frame, executions_frame, history_frame
from .lineage import LINEAGE_QUERY, LineageGraph, direction_of
from .models import DATUM_FIELDS, ENTRY_FIELDS, EXECUTION_FIELDS, Datum, Execution, MetadataEntry
from .ops import IdMap, LogMetadata, Operation
from .pages import PAGE_SIZE, Pages
from .runs import CURRENT, Run, current_run, execution_id
from .spool import SpoolWriter, spool_dir
from .targets import is_uri, select
from .transport import Transport
from .values import DateTime, encode

if TYPE_CHECKING:
    import datetime as _dt

    import pandas

R = TypeVar("R")

DEFAULT_URL = "http://localhost:4000"

#: Spelling of metadata predicates: `{"accuracy": (">", 0.9)}`; a bare value means equal.
OPERATORS = {"==": "eq", "=": "eq", "!=": "ne", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte", "in": "in", "exists": "exists"}


def _predicate_value(value: Any) -> Any:
    """Predicates compare with a value's index column: a typed value compares as its canonical value."""
    encoded = encode(value, "metadata filter")
    if isinstance(encoded, dict) and "$type" in encoded:
        return encoded["value"]
    if isinstance(encoded, list):
        return [_predicate_value(v) for v in value]
    return encoded


def metadata_predicates(conditions: Mapping[str, Any] | None) -> list[dict[str, Any]] | None:
    """`{"accuracy": (">", 0.9), "stage": "prod", "val.loss": ("<=", 0.3)}` as the API's MetadataPredicate list."""
    if not conditions:
        return None
    out = []
    for name, condition in conditions.items():
        if isinstance(condition, tuple) and len(condition) == 2 and isinstance(condition[0], str):
            op, value = condition
            if op not in OPERATORS:
                raise ValueError(f"metadata filter {name!r}: operator must be one of {', '.join(OPERATORS)}, got {op!r}")
            field = OPERATORS[op]
            out.append({"key": name, field: bool(value) if field == "exists" else _predicate_value(value)})
        else:
            out.append({"key": name, "eq": _predicate_value(condition)})
    return out


def _time_arg(value: _dt.datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return str(DateTime.of(value).to_json()["value"])


class Pedigree:
    """A client of one Pedigree API.

    `url` and `token` default to PEDIGREE_URL (else http://localhost:4000) and
    PEDIGREE_TOKEN; `project` to PEDIGREE_PROJECT, used wherever a call needs a project and
    none is given. `offline=True` sends nothing: every write goes to a spool file under
    `spool_dir` (PEDIGREE_SPOOL_DIR, else ./.pedigree-spool) for `pedigree-sync` to replay,
    and reads raise OfflineError. `spool=True` writes to the API while it answers and turns
    offline the first time it cannot be reached (connection refused, or still
    SERVICE_UNAVAILABLE after the retries), so the run goes on. A request the API refuses as
    SERVICE_UNAVAILABLE is retried `retries` times with exponential backoff from `backoff`
    seconds.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        project: str | None = None,
        offline: bool = False,
        spool: bool = False,
        spool_dir: str | os.PathLike[str] | None = None,
        timeout: float = 60.0,
        retries: int = 5,
        backoff: float = 0.5,
    ) -> None:
        self.url = (url or os.environ.get("PEDIGREE_URL") or DEFAULT_URL).rstrip("/")
        self.project = project or os.environ.get("PEDIGREE_PROJECT") or None
        self.offline = offline
        self._spool_on_failure = spool
        self._spool_dir = spool_dir
        self._spool: SpoolWriter | None = None
        self._ids = IdMap()
        self._transport: Transport | None = None
        token = token or os.environ.get("PEDIGREE_TOKEN")
        if token:
            self._transport = Transport(self.url, token, timeout=timeout, retries=retries, backoff=backoff)
        elif not offline:
            raise UnauthenticatedError(
                "no token: set PEDIGREE_TOKEN or pass token= (the first `pedigree start` prints an admin token; "
                "`pedigree token create` makes more), or use offline=True to spool writes"
            )

    def __repr__(self) -> str:
        return f"<Pedigree {self.url}{' offline' if self.offline else ''}>"

    def close(self) -> None:
        if self._transport:
            self._transport.close()

    def __enter__(self) -> Pedigree:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # -- plumbing -----------------------------------------------------------------------------

    @property
    def transport(self) -> Transport:
        if self.offline or self._transport is None:
            raise OfflineError("this client is offline: it spools writes and cannot read; run pedigree-sync, then read with an online client")
        return self._transport

    def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Runs any GraphQL document and returns its `data`; errors raise PedigreeError subclasses."""
        return self.transport.request(query, variables)

    @property
    def spool_file(self) -> Path | None:
        """The file this client's spooled writes went to, once there is one."""
        return self._spool.file if self._spool else None

    def _write(self, operation: Operation[R]) -> R:
        if not self.offline:
            try:
                return operation.apply(self.graphql, self._ids)
            except UnreachableError as error:
                if not self._spool_on_failure or error.sent:
                    raise
                reason = str(error)
            except ServiceUnavailableError as error:
                if not self._spool_on_failure:
                    raise
                reason = str(error)
            self.offline = True
            warnings.warn(f"pedigree: {reason}; spooling writes from now on, replay them with pedigree-sync", stacklevel=3)
        if self._spool is None:
            self._spool = SpoolWriter(spool_dir(self._spool_dir))
        self._spool.append(operation.for_spool())
        return operation.offline_result()

    def require_project(self, where: str) -> str:
        if not self.project:
            raise ValueError(f"{where} needs a project: pass project= or set PEDIGREE_PROJECT")
        return self.project

    def datum_id(self, ref: Datum | str, *, project: str | None = None) -> str:
        """A datum's id from a Datum, an id, or a URI (datum://<id or alias>, an external URI)."""
        if isinstance(ref, Datum):
            return ref.id
        return self.datum(ref, project=project).id if is_uri(ref) else ref

    # -- recording ------------------------------------------------------------------------------

    def run(
        self,
        name: str,
        *,
        project: str | None = None,
        kind: str = "STEP",
        parameters: Mapping[str, Any] | None = None,
        parent: Run | Execution | str | None = CURRENT,
        tags: Sequence[str] = (),
        commit: str | None = None,
        repository: str | None = None,
        image: str | None = None,
        hardware: str | None = None,
        host: str | None = None,
        commands: Sequence[str] | None = None,
        attempt: int | None = None,
        root: str | os.PathLike[str] | None = None,
        capture_environment: bool = True,
    ) -> Run:
        """An execution to record, as a context manager: `with pd.run("train", parameters={...}) as run:`.

        `kind` is STEP, PIPELINE, NOTEBOOK, ADHOC or DEPLOYMENT. A run started inside
        another run's `with` block is part of it (its `parent`) unless `parent=` says
        otherwise (None: no parent); the project is the parent's unless given. The commit,
        repository, host and image default to what the environment says (git in the
        current folder; PEDIGREE_IMAGE or CONTAINER_IMAGE), `attempt` to PEDIGREE_ATTEMPT
        or 1, `commands` to this process's command line. `root` is the folder output paths
        are relative to (the current one). `capture_environment=False` records none of it.
        """
        return Run(
            self,
            name,
            project=project,
            kind=kind,
            parameters=parameters,
            parent=parent,
            tags=tags,
            commit=commit,
            repository=repository,
            image=image,
            hardware=hardware,
            host=host,
            commands=commands,
            attempt=attempt,
            root=root,
            capture=capture_environment,
        )

    def log_metadata(
        self,
        metadata: Mapping[str, Any],
        *,
        execution: Run | Execution | str | None = None,
        datum: Datum | str | None = None,
        model: str | None = None,
        model_version: str | int | None = None,
        dataset: str | None = None,
        dataset_version: str | None = None,
        target: str | None = None,
        project: str | None = None,
    ) -> None:
        """Logs metadata on one target, as ZenML's log_metadata does: an execution (a Run, an
        Execution or an id), a datum (a Datum, an id or a URI such as datum://model-prod),
        a model version by name and version (`model="fraud", model_version=3`, or
        `model="model://fraud/3"`), a dataset version likewise, or `target=` any id or URI.
        With no target inside a `with pd.run(...)` block, the run itself. Inside a run, the
        run is recorded as the execution that logged it. `project` chooses where a URI
        exists in several projects. Nested dicts become groups; typed values keep their type."""
        chosen = [
            ref
            for ref in (
                execution_id(execution) if execution is not None else None,
                datum.id if isinstance(datum, Datum) else datum,
                _version_uri("model", model, model_version),
                _version_uri("dataset", dataset, dataset_version),
                target,
            )
            if ref is not None
        ]
        running = current_run()
        if len(chosen) > 1:
            raise ValueError("log_metadata takes one target: execution, datum, model (+ model_version), dataset (+ dataset_version) or target")
        if not chosen:
            if running is None:
                raise ValueError("log_metadata needs a target (execution=, datum=, model=, dataset= or target=) outside a pd.run() block")
            chosen = [execution_id(running)]
        logging_execution = running.id if running is not None else None
        self._write(LogMetadata(targets=[[chosen[0], None]], metadata=encode(metadata), execution=logging_execution, project=project or self.project))

    # -- reading --------------------------------------------------------------------------------

    def datum(self, ref: str, *, project: str | None = None, as_of: _dt.datetime | str | None = None) -> Datum:
        """A datum by id or URI: datum://<id>, datum://<alias> (where it points now, or at
        `as_of`), or an external URI. Raises NotFoundError when there is none."""
        if is_uri(ref):
            data = self.graphql(
                f"query($uri: String, $project: String, $asOf: DateTime) {{ datum(uri: $uri, project: $project, asOf: $asOf) {{ {DATUM_FIELDS} }} }}",
                {"uri": ref, "project": project or self.project, "asOf": _time_arg(as_of)},
            )
        else:
            data = self.graphql(f"query($id: ID) {{ datum(id: $id) {{ {DATUM_FIELDS} }} }}", {"id": ref})
        if not data["datum"]:
            hint = "" if is_uri(ref) else f" (an alias is named by its URI: datum://{ref})"
            raise NotFoundError(f"Datum '{ref}' not found{hint}", field="uri" if is_uri(ref) else "id")
        return Datum.from_api(data["datum"])

    def execution(self, ref: Run | Execution | str) -> Execution:
        """An execution with its record, inputs, outputs and current metadata."""
        id = execution_id(ref)
        data = self.graphql(f"query($id: ID!) {{ execution(id: $id) {{ {EXECUTION_FIELDS} }} }}", {"id": id})
        if not data["execution"]:
            raise NotFoundError(f"Execution '{id}' not found", field="id")
        return Execution.from_api(data["execution"])

    def datums(
        self,
        *,
        project: str | None = None,
        tags_all: Sequence[str] | None = None,
        tags_any: Sequence[str] | None = None,
        producer: Run | Execution | str | None = None,
        path_prefix: str | None = None,
        created_after: _dt.datetime | str | None = None,
        created_before: _dt.datetime | str | None = None,
        metadata: Mapping[str, Any] | None = None,
        page_size: int = PAGE_SIZE,
    ) -> Pages[Datum]:
        """Datums matching every condition given, newest first, fetched as iterated.
        `metadata` compares current values: `{"accuracy": (">", 0.9), "stage": "prod"}`
        with ==, !=, >, >=, <, <=, in, exists; names are `group.key` for grouped values.
        `page_size` nodes are fetched per request (at most 1,000)."""
        filter = {
            "project": project or self.project,
            "tagsAll": list(tags_all) if tags_all else None,
            "tagsAny": list(tags_any) if tags_any else None,
            "producer": execution_id(producer) if producer is not None else None,
            "pathPrefix": path_prefix,
            "createdAfter": _time_arg(created_after),
            "createdBefore": _time_arg(created_before),
            "metadata": metadata_predicates(metadata),
        }
        return Pages(self.graphql, "datums", "DatumFilter", filter, DATUM_FIELDS, Datum.from_api, datums_frame, page_size)

    def executions(
        self,
        *,
        project: str | None = None,
        name: str | None = None,
        kind: str | Sequence[str] | None = None,
        status: str | Sequence[str] | None = None,
        parent: Run | Execution | str | None = None,
        tags_all: Sequence[str] | None = None,
        tags_any: Sequence[str] | None = None,
        created_after: _dt.datetime | str | None = None,
        created_before: _dt.datetime | str | None = None,
        metadata: Mapping[str, Any] | None = None,
        page_size: int = PAGE_SIZE,
    ) -> Pages[Execution]:
        """Executions matching every condition given, newest first, fetched as iterated;
        `metadata` as for datums()."""
        filter = {
            "project": project or self.project,
            "name": name,
            "kind": [kind] if isinstance(kind, str) else list(kind) if kind else None,
            "status": [status] if isinstance(status, str) else list(status) if status else None,
            "parent": execution_id(parent) if parent is not None else None,
            "tagsAll": list(tags_all) if tags_all else None,
            "tagsAny": list(tags_any) if tags_any else None,
            "createdAfter": _time_arg(created_after),
            "createdBefore": _time_arg(created_before),
            "metadata": metadata_predicates(metadata),
        }
        return Pages(self.graphql, "executions", "ExecutionFilter", filter, EXECUTION_FIELDS, Execution.from_api, executions_frame, page_size)

    def _node_id(self, ref: Run | Execution | Datum | str, project: str | None) -> str:
        if isinstance(ref, Datum):
            return ref.id
        if isinstance(ref, (Run, Execution)):
            return execution_id(ref)
        if not is_uri(ref):
            return ref
        node = select(self.graphql, ref, project=project or self.project)
        if node is None:
            raise NotFoundError(f"'{ref}' not found", field="id")
        return str(node["id"])

    def lineage(
        self,
        ref: Run | Execution | Datum | str,
        *,
        direction: str = "both",
        depth: int = 3,
        limit: int = 500,
        project: str | None = None,
    ) -> LineageGraph:
        """The lineage around a datum, execution, model or dataset version (an object, an id
        or a URI): `direction` up, down or both; `depth` hops (Datum -> Execution -> Datum is
        one), at most `limit` nodes (the graph says `truncated` when more lay within the depth)."""
        data = self.graphql(
            LINEAGE_QUERY,
            {"id": self._node_id(ref, project), "direction": direction_of(direction), "depth": depth, "limit": limit},
        )
        return LineageGraph(data["lineage"])

    def diff(self, a: Datum | str, b: Datum | str, *, depth: int = 5, run_times: bool = False, project: str | None = None) -> LineageDiff:
        """The upstreams of two datums, two model versions or two dataset versions (objects,
        ids or URIs) compared to `depth` hops: the nodes in both and in one only, and each
        step both ran (paired by name) with the fields that differ between its two runs;
        `run_times=True` keeps the run clock (runtime.started_at, ended_at, duration), which
        always differs. `.changes_frame()` puts the changes in a DataFrame."""
        data = self.graphql(DIFF_QUERY, {"a": self._node_id(a, project), "b": self._node_id(b, project), "depth": depth})
        return LineageDiff(data["lineageDiff"], run_times=run_times)

    def compare(self, executions: Sequence[Run | Execution | str], keys: Sequence[str] | None = None) -> pandas.DataFrame:
        """Up to 20 executions side by side as a DataFrame: a row per creation parameter and
        per metadata value (`keys` narrows the metadata, as `group.key` names), a column per
        execution, and `changed` marking the rows whose values differ."""
        ids = [execution_id(e) for e in executions]
        data = self.graphql(
            f"""query($ids: [ID!]!, $keys: [String!]) {{
              compareExecutions(ids: $ids, keys: $keys) {{
                executions {{ id name }}
                rows {{ name values differs cells {{ type value }} }}
                parameters {{ name values differs }}
              }}
            }}""",
            {"ids": ids, "keys": list(keys) if keys is not None else None},
        )
        return comparison_frame(data["compareExecutions"])

    def metadata_history(
        self, ref: Run | Execution | Datum | str, names: str | Sequence[str], *, project: str | None = None
    ) -> pandas.DataFrame:
        """Every value logged under `names` (`accuracy`, `train.loss`) on a datum, execution,
        model or dataset version, oldest first, with who logged it, when, from where."""
        keys = [names] if isinstance(names, str) else list(names)
        id = self._node_id(ref, project)
        node = select(
            self.graphql,
            id,
            f"metadata(keys: $keys, history: true) {{ {ENTRY_FIELDS} }}",
            variables={"keys": ("[String!]", keys)},
        )
        if node is None:
            raise NotFoundError(f"'{id}' not found", field="id")
        return history_frame(MetadataEntry.from_api(e) for e in node.get("metadata") or [])

    def events(
        self,
        types: str | Sequence[str] | None = None,
        *,
        project: str | None = None,
        timeout: float | None = None,
        open_timeout: float = 10.0,
    ) -> Events:
        """A project's change events as they commit, over a WebSocket subscription:
        `with pd.events(types=["model_version.status_changed"]) as events:` then
        `events.next(timeout=30)` or `for event in events:`. `types` narrows them
        (alias.moved, alias.deleted, model_version.created, model_version.status_changed,
        metadata.logged, execution.status_changed, lineage.recorded; all when None).

        It returns once the API listens, so every change committed after it is heard, in
        commit order; nothing before it is replayed. Each wait lasts at most `timeout`
        seconds (forever when None), then raises EventTimeoutError; `open_timeout` bounds
        connecting and subscribing. A project outside the token raises ForbiddenError, a
        refused token UnauthenticatedError."""
        transport = self.transport
        return Events(
            self.url,
            transport.token,
            project or self.require_project("events()"),
            [types] if isinstance(types, str) else types,
            timeout=timeout,
            open_timeout=open_timeout,
        )

    def alias(self, name: str, *, project: str | None = None) -> Alias:
        """An alias as it is now; `.move(to, expected=..., reason=...)` is compare-and-set."""
        project = project or self.require_project("alias()")
        data = self.graphql(
            f"query($project: String!, $name: String!) {{ alias(project: $project, name: $name) {{ {ALIAS_FIELDS} }} }}",
            {"project": project, "name": name},
        )
        return Alias(self, project, name, data["alias"])


def _version_uri(scheme: str, name: str | None, version: str | int | None) -> str | None:
    if name is None:
        if version is not None:
            raise ValueError(f"{scheme}_version needs {scheme}= (the {scheme}'s name)")
        return None
    if "://" in name:
        if version is not None:
            raise ValueError(f"give {scheme}='{scheme}://name/version' or {scheme}= a name with {scheme}_version=, not both")
        return name
    if version is None:
        raise ValueError(f"{scheme}={name!r} needs {scheme}_version= (or {scheme}='{scheme}://{name}/<version>')")
    return f"{scheme}://{name}/{version}"
