"""The offline spool: operations written as JSON lines, and their idempotent replay.

A client in offline mode writes its operations to `<spool dir>/<time>-<pid>-<random>.jsonl`,
one JSON object a line, each flushed to disk before the call returns. Replaying keeps a
journal beside each spool file (`<same name>.journal`): a `started` line before an
operation is sent and a `done` line (with the ids it made) after it was applied. So a
second replay skips what the first applied, and an operation `started` but not `done` is
known to be in doubt and checked against the server before it is applied again (see ops.py).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .errors import PedigreeError, SpoolError
from .ops import IdMap, Operation, from_json
from .targets import Request

DEFAULT_DIR = ".pedigree-spool"
JOURNAL_SUFFIX = ".journal"


def spool_dir(given: str | os.PathLike[str] | None) -> Path:
    """The spool folder: the one given, else PEDIGREE_SPOOL_DIR, else .pedigree-spool in the current folder."""
    return Path(given or os.environ.get("PEDIGREE_SPOOL_DIR") or DEFAULT_DIR).absolute()


def _append(file: Path, record: dict[str, Any]) -> None:
    with file.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(record, separators=(",", ":")) + "\n")
        stream.flush()
        os.fsync(stream.fileno())


def _lines(file: Path) -> list[dict[str, Any]]:
    """The complete lines of a JSON-lines file; a last line without its newline (a writer
    stopped half-way) is left for later."""
    if not file.exists():
        return []
    text = file.read_text(encoding="utf-8")
    complete = text[: text.rfind("\n") + 1]
    records = []
    for number, line in enumerate(complete.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except ValueError as error:
            raise SpoolError(f"{file}:{number} is not valid JSON ({error}); fix or remove that line") from None
    return records


class SpoolWriter:
    """Appends one client's operations to a spool file of its own (made on the first write)."""

    def __init__(self, directory: Path) -> None:
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        self.file = directory / f"{stamp}-{os.getpid()}-{uuid.uuid4().hex[:8]}.jsonl"
        self._seq = 0

    def append(self, operation: Operation[Any]) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        _append(self.file, {"seq": self._seq, **operation.to_json()})
        self._seq += 1


@dataclass(frozen=True)
class Step:
    """What a replay did with one spooled operation."""

    file: str
    seq: int
    description: str
    #: applied: sent now; found: in doubt and already on the server; before: journaled by an earlier replay.
    outcome: str


@dataclass
class SyncReport:
    steps: list[Step] = field(default_factory=list)
    #: The operation that failed (the replay stops there: later ones may depend on it), and why.
    failure: tuple[Step, PedigreeError] | None = None

    def count(self, outcome: str) -> int:
        return sum(1 for s in self.steps if s.outcome == outcome)

    @property
    def ok(self) -> bool:
        return self.failure is None

    def summary(self) -> str:
        return (
            f"{self.count('applied')} applied, {self.count('found')} found already on the server, "
            f"{self.count('before')} applied before, {0 if self.ok else 1} failed"
        )


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One replay of a folder at a time (where the platform has advisory locks)."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; replays must not overlap
        yield
        return
    with (directory / ".lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SpoolError(f"another pedigree-sync is replaying {directory}; wait for it to finish") from None
        yield


def replay(directory: Path, request: Request) -> SyncReport:
    """Applies every spooled operation of `directory` not applied before, file by file in
    the order they were written, and journals each; stops at the first that fails."""
    report = SyncReport()
    if not directory.is_dir():
        return report
    files = sorted(directory.glob("*.jsonl"))
    ids = IdMap()
    journals = {file: _lines(file.with_name(file.name + JOURNAL_SUFFIX)) for file in files}
    for records in journals.values():
        for record in records:
            for local, server in (record.get("ids") or {}).items():
                ids.learn(local, server)
    ids.take_fresh()
    with _locked(directory):
        for file in files:
            journal = file.with_name(file.name + JOURNAL_SUFFIX)
            done = {r["seq"] for r in journals[file] if r.get("state") == "done"}
            started = {r["seq"] for r in journals[file] if r.get("state") == "started"}
            for record in _lines(file):
                seq = int(record["seq"])
                operation = from_json(record)
                if seq in done:
                    report.steps.append(Step(file.name, seq, operation.describe(ids), "before"))
                    continue
                try:
                    outcome = "applied"
                    if seq in started and not operation.idempotent and operation.applied_before(request, ids):
                        outcome = "found"
                    else:
                        _append(journal, {"seq": seq, "state": "started"})
                        operation.apply(request, ids)
                except PedigreeError as error:
                    report.failure = (Step(file.name, seq, operation.describe(ids), "failed"), error)
                    return report
                _append(journal, {"seq": seq, "state": "done", "ids": ids.take_fresh()})
                report.steps.append(Step(file.name, seq, operation.describe(ids), outcome))
    return report
