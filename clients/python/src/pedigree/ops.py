"""Every write the SDK makes, as an operation that can run now or be spooled and run later.

One code path: online, an operation is applied at once; offline, it is written to the
spool as JSON and `pedigree-sync` applies the same operation later. Things made offline
(executions, output datums) get client-made ids (`local-<hex>`); when an operation that
makes one is applied, `IdMap` learns the server's id, and later operations that name the
client id are resolved through it.

Replaying must not apply anything twice. The spool's journal says which operations were
applied; one that was started but never journaled as done is *in doubt* (the process died,
or the answer was lost after the server committed). An idempotent operation is simply
applied again (starting or finishing an execution with the same status, recording inputs,
ingesting outputs: the API changes nothing the second time). The others check the server
first: an execution created from the spool carries the tag `pedigree-client-id:<client
id>` (written in the same transaction as the execution), so a replay looks it up before
creating; a status change is looked up on the execution; logged metadata is compared with
the target's current values, and targets that already hold every value are left alone.
"""

from __future__ import annotations

import dataclasses
import socket
import uuid
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Mapping, TypeVar

from .errors import SpoolError
from .files import LocalFile
from .models import DATUM_FIELDS, Datum
from .targets import Request, select
from .values import flatten, same_value

LOCAL_PREFIX = "local-"
CLIENT_ID_TAG = "pedigree-client-id:"

#: Files per ingestOutputs request: far below the API's batch and body limits.
INGEST_CHUNK = 500

R = TypeVar("R")


def local_id() -> str:
    return f"{LOCAL_PREFIX}{uuid.uuid4().hex}"


def is_local(ref: str | None) -> bool:
    return ref is not None and ref.startswith(LOCAL_PREFIX)


class IdMap:
    """Client-made ids and the server ids they became; `fresh` holds those learned since the last `take_fresh`."""

    def __init__(self) -> None:
        self.known: dict[str, str] = {}
        self.fresh: dict[str, str] = {}

    def learn(self, local: str, server: str) -> None:
        self.known[local] = server
        self.fresh[local] = server

    def take_fresh(self) -> dict[str, str]:
        fresh, self.fresh = self.fresh, {}
        return fresh

    def resolve(self, ref: str) -> str:
        if not is_local(ref):
            return ref
        if ref not in self.known:
            raise SpoolError(f"{ref} was made offline and what made it has not been applied yet; replay the spool that holds it first")
        return self.known[ref]

    def resolve_optional(self, ref: str | None) -> str | None:
        return None if ref is None else self.resolve(ref)


class Operation(Generic[R]):
    """A write. `apply` runs it against the API; `offline_result` is what the caller gets
    when it is spooled instead; `applied_before` tells, for an operation in doubt, whether
    the server already holds its effect."""

    op: ClassVar[str]
    #: Applying it twice changes nothing the second time.
    idempotent: ClassVar[bool] = True

    def apply(self, request: Request, ids: IdMap) -> R:
        raise NotImplementedError

    def offline_result(self) -> R:
        raise NotImplementedError

    def applied_before(self, request: Request, ids: IdMap) -> bool:
        return False

    def for_spool(self) -> Operation[R]:
        return self

    def describe(self, ids: IdMap) -> str:
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, **dataclasses.asdict(self)}  # type: ignore[call-overload]


def _shown(ref: str, ids: IdMap) -> str:
    return f"{ref} -> {ids.known[ref]}" if ref in ids.known else ref


@dataclass
class CreateExecution(Operation[str]):
    """createExecution; returns the execution's id (the client id when spooled)."""

    op: ClassVar[str] = "createExecution"
    idempotent: ClassVar[bool] = False

    local_id: str
    input: dict[str, Any]
    #: Tagged with the client id, so that a replay in doubt can find it.
    marked: bool = False

    @property
    def marker(self) -> str:
        return f"{CLIENT_ID_TAG}{self.local_id}"

    def apply(self, request: Request, ids: IdMap) -> str:
        data = dict(self.input)
        data["parentId"] = ids.resolve_optional(data.get("parentId"))
        if self.marked:
            data["tags"] = [*(data.get("tags") or []), self.marker]
        created = request("mutation($input: CreateExecutionInput!) { createExecution(input: $input) { id } }", {"input": data})
        server_id: str = created["createExecution"]["id"]
        ids.learn(self.local_id, server_id)
        return server_id

    def applied_before(self, request: Request, ids: IdMap) -> bool:
        found = request(
            "query($filter: ExecutionFilter) { executions(filter: $filter, first: 1) { edges { node { id } } } }",
            {"filter": {"project": self.input["project"], "tagsAll": [self.marker]}},
        )["executions"]["edges"]
        if found:
            ids.learn(self.local_id, found[0]["node"]["id"])
        return bool(found)

    def offline_result(self) -> str:
        return self.local_id

    def for_spool(self) -> CreateExecution:
        return dataclasses.replace(self, marked=True)

    def describe(self, ids: IdMap) -> str:
        return f"create execution '{self.input['name']}' ({_shown(self.local_id, ids)})"


@dataclass
class SetStatus(Operation[None]):
    """startExecution (status RUNNING) or finishExecution (a final status). In doubt, the
    execution's status says: started once it is no longer QUEUED, finished once it has the
    status (starting one that has finished since would be refused)."""

    op: ClassVar[str] = "setStatus"
    idempotent: ClassVar[bool] = False

    execution: str
    status: str

    def apply(self, request: Request, ids: IdMap) -> None:
        execution = ids.resolve(self.execution)
        if self.status == "RUNNING":
            request("mutation($id: ID!) { startExecution(id: $id) { id } }", {"id": execution})
        else:
            request(
                "mutation($id: ID!, $status: FinalStatus!) { finishExecution(id: $id, status: $status) { id } }",
                {"id": execution, "status": self.status},
            )

    def offline_result(self) -> None:
        return None

    def applied_before(self, request: Request, ids: IdMap) -> bool:
        found = request("query($id: ID!) { execution(id: $id) { status } }", {"id": ids.resolve(self.execution)})["execution"]
        status = found["status"] if found else None
        return status not in (None, "QUEUED") if self.status == "RUNNING" else status == self.status

    def describe(self, ids: IdMap) -> str:
        return f"{'start' if self.status == 'RUNNING' else 'finish'} execution {_shown(self.execution, ids)}" + (
            "" if self.status == "RUNNING" else f" {self.status}"
        )


@dataclass
class RecordInputs(Operation[list[Datum]]):
    """recordInputs. A local file is the datum that holds its bytes (found by SHA-256 in the
    project when the operation runs, so a spooled one resolves at replay); one Pedigree has
    never seen is recorded as the external datum `file://<host><absolute path>`."""

    op: ClassVar[str] = "recordInputs"

    execution: str
    project: str
    #: Each {"datumId"} (maybe a client id), {"uri"} or {"sha256", "fileUri"}, with "inputName".
    inputs: list[dict[str, Any]]

    @staticmethod
    def local_file(file: LocalFile, name: str | None) -> dict[str, Any]:
        # as_uri percent-encodes the path; the host names the machine the file was on
        uri = "file://" + socket.gethostname() + file.local.as_uri().removeprefix("file://")
        return {"sha256": file.sha256, "fileUri": uri, "inputName": name}

    def apply(self, request: Request, ids: IdMap) -> list[Datum]:
        refs = []
        for given in self.inputs:
            ref: dict[str, Any] = {"inputName": given.get("inputName")}
            if "datumId" in given:
                ref["datumId"] = ids.resolve(given["datumId"])
            elif "uri" in given:
                ref["uri"] = given["uri"]
            else:
                edges = request(
                    "query($filter: DatumFilter) { datums(filter: $filter, first: 1) { edges { node { id } } } }",
                    {"filter": {"project": self.project, "sha256": given["sha256"]}},
                )["datums"]["edges"]
                if edges:
                    ref["datumId"] = edges[0]["node"]["id"]
                else:
                    ref["uri"] = given["fileUri"]
            refs.append(ref)
        recorded = request(
            f"mutation($id: ID!, $inputs: [InputRef!]!) {{ recordInputs(executionId: $id, inputs: $inputs) {{ {DATUM_FIELDS} }} }}",
            {"id": ids.resolve(self.execution), "inputs": refs},
        )["recordInputs"]
        return [Datum.from_api(d) for d in recorded]

    def offline_result(self) -> list[Datum]:
        return []

    def describe(self, ids: IdMap) -> str:
        return f"record {len(self.inputs)} input(s) of {_shown(self.execution, ids)}"


@dataclass
class IngestOutputs(Operation[list[Datum]]):
    """ingestOutputs: the files an execution wrote with their sidecar metadata, as `pedigree
    ingest` sends them; idempotent on (path, sha256), equal values are not logged again."""

    op: ClassVar[str] = "ingestOutputs"

    execution: str
    #: Each {"localId", "path", "size", "sha256", "contentType", "sidecar"}.
    files: list[dict[str, Any]]

    @staticmethod
    def file(file: LocalFile, sidecar: dict[str, Any] | None) -> dict[str, Any]:
        return {"localId": local_id(), "path": file.path, "size": file.size, "sha256": file.sha256, "contentType": file.content_type, "sidecar": sidecar}

    def apply(self, request: Request, ids: IdMap) -> list[Datum]:
        execution = ids.resolve(self.execution)
        by_path: dict[str, Datum] = {}
        for start in range(0, len(self.files), INGEST_CHUNK):
            chunk = self.files[start : start + INGEST_CHUNK]
            report = request(
                f"""mutation($id: ID!, $files: [IngestFile!]!) {{
                  ingestOutputs(executionId: $id, files: $files) {{ changes {{ path datum {{ {DATUM_FIELDS} }} }} }}
                }}""",
                {"id": execution, "files": [{k: v for k, v in f.items() if k != "localId" and v is not None} for f in chunk]},
            )["ingestOutputs"]
            for change in report["changes"]:
                by_path[change["path"]] = Datum.from_api(change["datum"])
        for f in self.files:
            ids.learn(f["localId"], by_path[f["path"]].id)
        return [by_path[f["path"]] for f in self.files]

    def offline_result(self) -> list[Datum]:
        return [
            Datum(id=f["localId"], uri=f"datum://{f['localId']}", path=f["path"], size=f["size"], sha256=f["sha256"], content_type=f["contentType"])
            for f in self.files
        ]

    def describe(self, ids: IdMap) -> str:
        return f"ingest {len(self.files)} output(s) of {_shown(self.execution, ids)}"


@dataclass
class LogMetadata(Operation[None]):
    """logMetadata on one or more targets in one request. Each target is [ref, step]: with
    a step name, the target is the step's pipeline run and the API keys values `step::key`."""

    op: ClassVar[str] = "logMetadata"
    idempotent: ClassVar[bool] = False

    targets: list[list[str | None]]
    metadata: dict[str, Any]
    execution: str | None = None
    project: str | None = None

    def __post_init__(self) -> None:
        #: Targets already holding the values, left out when a replay in doubt applies the rest.
        self._skip: set[int] = set()

    def apply(self, request: Request, ids: IdMap) -> None:
        todo = [(i, str(t[0])) for i, t in enumerate(self.targets) if i not in self._skip]
        if not todo:
            return
        header = ", ".join(f"$t{i}: ID!" for i, _ in todo)
        fields = " ".join(f"t{i}: logMetadata(target: $t{i}, metadata: $m, execution: $e, project: $p) {{ target {{ id }} }}" for i, _ in todo)
        variables: dict[str, Any] = {f"t{i}": ids.resolve(ref) for i, ref in todo}
        variables.update(m=self.metadata, e=ids.resolve_optional(self.execution), p=self.project)
        request(f"mutation({header}, $m: JSONObject!, $e: ID, $p: String) {{ {fields} }}", variables)

    def applied_before(self, request: Request, ids: IdMap) -> bool:
        for i, (ref, step) in enumerate(self.targets):
            wanted = flatten(self.metadata, step)
            if not wanted:
                continue
            node = select(
                request,
                ids.resolve(str(ref)),
                "metadata(keys: $keys) { name type value }",
                project=self.project,
                variables={"keys": ("[String!]", list(wanted))},
            )
            current = {e["name"]: e for e in (node or {}).get("metadata") or []}
            if all(name in current and same_value(current[name]["type"], current[name]["value"], value) for name, value in wanted.items()):
                self._skip.add(i)
        return len(self._skip) == len(self.targets)

    def offline_result(self) -> None:
        return None

    def describe(self, ids: IdMap) -> str:
        names = sorted(flatten(self.metadata))
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        targets = ", ".join(_shown(str(t[0]), ids) + (f" (as {t[1]}::)" if t[1] else "") for t in self.targets)
        return f"log {shown or 'metadata'} on {targets}"


OPERATIONS: dict[str, type[Operation[Any]]] = {
    cls.op: cls for cls in (CreateExecution, SetStatus, RecordInputs, IngestOutputs, LogMetadata)
}


def from_json(raw: Mapping[str, Any]) -> Operation[Any]:
    cls = OPERATIONS.get(str(raw.get("op")))
    if cls is None:
        raise SpoolError(f"unknown operation {raw.get('op')!r} in the spool; it was written by a newer pedigree-client")
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in raw.items() if k in names})

