"""Two upstreams compared: what changed between two models (or datums, or dataset versions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from .frames import pandas_module
from .lineage import NODE_FIELDS, WALKED_FIELDS, LineageNode
from .runs import CLOCK_KEYS, RUNTIME_GROUP
from .values import metadata_name

if TYPE_CHECKING:
    import pandas

DIFF_QUERY = f"""query($a: ID!, $b: ID!, $depth: Int) {{
  lineageDiff(a: $a, b: $b, depth: $depth) {{
    a {{ {NODE_FIELDS} }}
    b {{ {NODE_FIELDS} }}
    common {{ {WALKED_FIELDS} }}
    onlyInA {{ {WALKED_FIELDS} }}
    onlyInB {{ {WALKED_FIELDS} }}
    executions {{ name a {{ id }} b {{ id }} changes {{ field a b }} }}
  }}
}}"""


#: The fields of the run clock the SDK records, as a diff names them.
CLOCK_FIELDS = frozenset(f"metadata.{metadata_name(RUNTIME_GROUP, key)}" for key in CLOCK_KEYS)


@dataclass(frozen=True)
class FieldChange:
    """A field that differs between the two runs of a step: `commit`, `image`, `hardware`,
    `parameters.<name>`, `metadata.<group.key>` or `input.<input name>` (the datum ids read);
    `a` or `b` is None where that run has no such field."""

    field: str
    a: Any
    b: Any


@dataclass(frozen=True)
class ExecutionDiff:
    """One step run in both upstreams (paired by name, the nearest run of each name) and
    every field that differs between its two runs, `a` and `b` being their ids."""

    name: str
    a: str
    b: str
    changes: tuple[FieldChange, ...]


class LineageDiff:
    """The upstreams of `a` and `b`: the nodes in both (`common`, distances from `a`) and in
    one only, and the steps both ran with what changed between their runs. Without
    `run_times`, the run clock the SDK records (runtime.started_at, ended_at, duration) is
    left out of the changes, as the API leaves out its own system record: it differs
    between any two runs."""

    def __init__(self, raw: Mapping[str, Any], *, run_times: bool = False) -> None:
        self.a = LineageNode.root(raw["a"])
        self.b = LineageNode.root(raw["b"])
        self.common: list[LineageNode] = [LineageNode.from_walk(n) for n in raw["common"]]
        self.only_in_a: list[LineageNode] = [LineageNode.from_walk(n) for n in raw["onlyInA"]]
        self.only_in_b: list[LineageNode] = [LineageNode.from_walk(n) for n in raw["onlyInB"]]
        #: By step name, as the API orders them.
        self.executions: list[ExecutionDiff] = [
            ExecutionDiff(
                name=e["name"],
                a=e["a"]["id"],
                b=e["b"]["id"],
                changes=tuple(FieldChange(field=c["field"], a=c["a"], b=c["b"]) for c in e["changes"] if run_times or c["field"] not in CLOCK_FIELDS),
            )
            for e in raw["executions"]
        ]

    def __repr__(self) -> str:
        changed = sum(len(e.changes) for e in self.executions)
        return f"<LineageDiff {self.a.label!r} vs {self.b.label!r}: {len(self.common)} common, {len(self.only_in_a)} only in a, {len(self.only_in_b)} only in b, {changed} changed fields>"

    def changes_frame(self) -> pandas.DataFrame:
        """One row per changed field of each step: step, field, a, b (the two runs' values,
        each cell its own type: a column of parameters, metrics and sizes is no column of floats)."""
        rows = [[e.name, c.field, c.a, c.b] for e in self.executions for c in e.changes]
        result: pandas.DataFrame = pandas_module().DataFrame(rows, columns=["step", "field", "a", "b"], dtype=object)
        return result
