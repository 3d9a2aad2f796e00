"""`with pd.run(...) as run:` — an execution recorded the way training code is written."""

from __future__ import annotations

import contextvars
import datetime as _dt
import os
import re
import shlex
import sys
import time
import warnings
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from . import files as _files
from .environment import collect
from .models import Datum, Execution
from .ops import CreateExecution, IngestOutputs, LogMetadata, RecordInputs, SetStatus, is_local, local_id
from .values import DateTime, encode

if TYPE_CHECKING:
    from .client import Pedigree

#: The group the SDK records a run's environment in. The `system` group is the API's own
#: (host, image, commit, attempt, start, end, duration as the server saw them); this one
#: holds what only the client knows, and the client's view of the rest.
RUNTIME_GROUP = "runtime"
#: The run's clock in RUNTIME_GROUP (`finish` logs the last two): different for any two runs.
CLOCK_KEYS = ("started_at", "ended_at", "duration")

#: The run whose `with` block is executing: the default parent of a run started inside it
#: and the default target of `pd.log_metadata` there.
_current: contextvars.ContextVar[Run | None] = contextvars.ContextVar("pedigree_current_run", default=None)

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

#: Longest exception text kept in runtime.error.
MAX_ERROR_TEXT = 4000


def current_run() -> Run | None:
    """The run whose `with` block is executing, if any."""
    return _current.get()


class _Current:
    def __repr__(self) -> str:
        return "<the run whose with block is executing>"


CURRENT: Any = _Current()


def execution_id(ref: Run | Execution | str) -> str:
    return ref.id if isinstance(ref, (Run, Execution)) else ref


class Run:
    """An execution being recorded. Entering the `with` block creates and starts it and
    logs the runtime group; leaving it logs the end time and duration and finishes it
    COMPLETED, or FAILED with the exception's type and message in `runtime.error` (STOPPED
    for Ctrl-C) and lets the exception go on. `start()` and `finish()` do the same for a
    run that spans notebook cells."""

    def __init__(
        self,
        client: Pedigree,
        name: str,
        *,
        project: str | None,
        kind: str,
        parameters: Mapping[str, Any] | None,
        parent: Run | Execution | str | None,
        tags: Sequence[str],
        commit: str | None,
        repository: str | None,
        image: str | None,
        hardware: str | None,
        host: str | None,
        commands: Sequence[str] | None,
        attempt: int | None,
        root: str | os.PathLike[str] | None,
        capture: bool,
    ) -> None:
        self._client = client
        self.name = name
        self.kind = kind
        if parent is CURRENT:
            parent = current_run()
        self.parent_id: str | None = execution_id(parent) if parent is not None else None
        self.project: str = project or (parent.project if isinstance(parent, (Run, Execution)) else None) or client.require_project("run()")
        self.parameters = dict(parameters or {})
        self.tags = list(tags)
        self._given = {"commit": commit, "repository": repository, "image": image, "hardware": hardware, "host": host}
        self.commands = list(commands) if commands is not None else [shlex.join([os.path.basename(sys.executable), *sys.argv])]
        self.attempt = attempt if attempt is not None else int(os.environ.get("PEDIGREE_ATTEMPT", "1"))
        #: Output paths are kept relative to this folder (the current one unless given).
        self.root = Path(root) if root is not None else Path.cwd()
        self._capture = capture
        self._id: str | None = None
        self.status: str | None = None
        self._started_at: _dt.datetime | None = None
        self._clock = 0.0
        self._token: contextvars.Token[Run | None] | None = None

    def __repr__(self) -> str:
        return f"<Run {self.name!r} {self._id} {self.status}>"

    @property
    def id(self) -> str:
        """The execution's id (a client-made `local-…` id when spooled); there is none before it starts."""
        if self._id is None:
            raise RuntimeError(f"run '{self.name}' has not started: use it inside its with block, or call start()")
        return self._id

    # -- life ---------------------------------------------------------------------------

    def start(self) -> Run:
        """Creates the execution with its reproducibility record, starts it and logs the runtime group."""
        if self._id is not None:
            raise RuntimeError(f"run '{self.name}' was started already ({self._id})")
        env = collect() if self._capture else None
        git = env.git if env else None
        record = {
            "commit": self._given["commit"] or (git.commit if git else None),
            "repository": self._given["repository"] or (git.repository if git else None),
            "image": self._given["image"] or (env.image if env else None),
            "hardware": self._given["hardware"],
            "host": self._given["host"] or (env.host if env else None),
        }
        execution_input = {
            "project": self.project,
            "name": self.name,
            "kind": self.kind,
            "parentId": self.parent_id,
            "commands": self.commands,
            "parameters": encode(self.parameters, "parameters") if self.parameters else None,
            "attempt": self.attempt,
            "tags": self.tags or None,
            **record,
        }
        self._id = self._client._write(CreateExecution(local_id(), {k: v for k, v in execution_input.items() if v is not None}))
        self._client._write(SetStatus(self._id, "RUNNING"))
        self.status = "RUNNING"
        self._started_at = DateTime.of(_dt.datetime.now(_dt.timezone.utc))
        self._clock = time.monotonic()
        runtime: dict[str, Any] = {"started_at": self._started_at, "attempt": self.attempt}
        if env:
            runtime.update(host=env.host, python=env.python, platform=env.platform, packages_sha256=env.packages_sha256, packages=env.packages)
            if env.image:
                runtime["image"] = env.image
            if git:
                runtime.update(git_commit=git.commit, git_dirty=git.dirty)
        self._log({RUNTIME_GROUP: runtime}, parent_too=False)
        return self

    def finish(self, status: str = "COMPLETED", error: str | None = None) -> None:
        """Logs the end time and duration (and `error`, if any) and finishes the execution."""
        ended = DateTime.of(_dt.datetime.now(_dt.timezone.utc))
        runtime: dict[str, Any] = {"ended_at": ended, "duration": round(time.monotonic() - self._clock, 3)}
        if error is not None:
            runtime["error"] = error[:MAX_ERROR_TEXT]
        self._log({RUNTIME_GROUP: runtime}, parent_too=False)
        self._client._write(SetStatus(self.id, status))
        self.status = status

    def __enter__(self) -> Run:
        self.start()
        self._token = _current.set(self)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self._token is not None:
            _current.reset(self._token)
            self._token = None
        if error is None:
            self.finish("COMPLETED")
            return
        if isinstance(error, SystemExit) and error.code in (0, None):
            status = "COMPLETED"
        else:
            status = "STOPPED" if isinstance(error, KeyboardInterrupt) else "FAILED"
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        try:
            self.finish(status, None if status == "COMPLETED" else text)
        except Exception as failure:  # the block's own exception is the one to see; say this beside it
            warnings.warn(f"pedigree: could not record run '{self.name}' as {status}: {failure}", stacklevel=2)

    # -- recording ------------------------------------------------------------------------

    def _log(self, metadata: Mapping[str, Any], *, parent_too: bool) -> None:
        run_id = execution_id(self)
        targets: list[list[str | None]] = [[run_id, None]]
        if parent_too and self.parent_id:
            targets.append([self.parent_id, self.name])
        self._client._write(LogMetadata(targets=targets, metadata=encode(metadata), execution=run_id))

    def log_metadata(self, metadata: Mapping[str, Any]) -> None:
        """Logs metadata on this run; a step of a pipeline run also logs it onto the
        pipeline run as `step::key` (ZenML's rule), so steps never overwrite each other."""
        self._log(metadata, parent_too=True)

    def inputs(self, *refs: Datum | str | os.PathLike[str], name: str | None = None) -> list[Datum]:
        """Records what this run read, all under input name `name` (the API's default is
        `input`): a Datum, a datum id, a URI (`datum://features-prod`, resolved now and
        remembered as read through the alias; `model://fraud/3`, `dataset://x/v2`, `s3://…`)
        or a local file or folder, which is hashed and recorded as the datum holding those
        bytes (or, when Pedigree has none, the external `file://<host>/<path>`). Returns the
        datums among the inputs (none when spooled)."""
        given: list[dict[str, Any]] = []
        for ref in refs:
            if isinstance(ref, Datum):
                given.append({"datumId": ref.id, "inputName": name})
            elif isinstance(ref, str) and "://" in ref:
                given.append({"uri": ref, "inputName": name})
            elif isinstance(ref, str) and (_UUID.match(ref) or is_local(ref)):
                given.append({"datumId": ref, "inputName": name})
            else:
                for file in _files.expand([ref]):
                    given.append(RecordInputs.local_file(_files.describe(file, file.parent), name))
        if not given:
            raise ValueError("inputs() needs at least one datum, URI or file")
        return self._client._write(RecordInputs(execution=execution_id(self), project=self.project, inputs=given))

    def outputs(
        self,
        *paths: str | os.PathLike[str],
        root: str | os.PathLike[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> list[Datum]:
        """Records files this run wrote (folders: every file under them), each as a datum
        whose path is relative to `root` (the run's root, by default the current folder:
        `outputs/model/model.pkl`), with its size and SHA-256. `metadata` goes on each of
        them, over what a Valohai-style sidecar `<file>.metadata.json` beside it says; the
        sidecar itself is not an output. Recording the same files again changes nothing.
        Returns the datums in the order given."""
        base = Path(root) if root is not None else self.root
        extra = encode(metadata or {}, "metadata")
        files = []
        for file, sidecar in _files.with_sidecars(_files.expand(paths)):
            described = _files.describe(file, base)
            merged = {**encode(sidecar or {}, str(file)), **extra}
            files.append(IngestOutputs.file(described, merged or None))
        if not files:
            raise ValueError("outputs() found no files to record")
        return self._client._write(IngestOutputs(execution=execution_id(self), files=files))
