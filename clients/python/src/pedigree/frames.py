"""pandas DataFrames for notebooks; pandas is an optional extra, imported when first needed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from .models import Datum, Execution, MetadataEntry
from .values import decode

if TYPE_CHECKING:
    import pandas


def pandas_module() -> Any:
    try:
        import pandas
    except ImportError:
        raise ImportError("DataFrames need pandas: pip install 'pedigree-client[pandas]'") from None
    return pandas


def frame(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> pandas.DataFrame:
    """Rows as a DataFrame with at least `columns`, in that order, then any others."""
    pd = pandas_module()
    extra = [c for row in rows for c in row if c not in columns]
    ordered = [*columns, *dict.fromkeys(extra)]
    result: pandas.DataFrame = pd.DataFrame([dict(row) for row in rows], columns=ordered)
    return result


def datums_frame(datums: Iterable[Datum]) -> pandas.DataFrame:
    """One row per datum; its current metadata values as columns named `group.key`."""
    rows = [
        {
            "id": d.id,
            "uri": d.uri,
            "path": d.path,
            "size": d.size,
            "sha256": d.sha256,
            "created_at": d.created_at,
            "producer": d.producer_name,
            "tags": list(d.tags),
            **d.metadata,
        }
        for d in datums
    ]
    return frame(rows, ["id", "uri", "path", "size", "sha256", "created_at", "producer", "tags"])


def executions_frame(executions: Iterable[Execution]) -> pandas.DataFrame:
    """One row per execution; parameters as `param.<name>` columns, current metadata values as `group.key` columns."""
    rows = [
        {
            "id": e.id,
            "name": e.name,
            "kind": e.kind,
            "status": e.status,
            "started_at": e.started_at,
            "ended_at": e.ended_at,
            "duration": e.duration,
            "commit": e.commit,
            **{f"param.{k}": v for k, v in e.parameters.items()},
            **e.metadata,
        }
        for e in executions
    ]
    return frame(rows, ["id", "name", "kind", "status", "started_at", "ended_at", "duration", "commit"])


def history_frame(entries: Iterable[MetadataEntry]) -> pandas.DataFrame:
    """Every logged value, oldest first (a metric's curve reads left to right)."""
    rows = sorted(
        (
            {
                "logged_at": e.logged_at,
                "name": e.name,
                "value": e.value,
                "type": e.type,
                "display": e.display,
                "logged_by": e.logged_by,
                "source": e.source,
                "execution": e.execution_id,
            }
            for e in entries
        ),
        key=lambda row: (row["logged_at"] is None, row["logged_at"]),
    )
    return frame(rows, ["logged_at", "name", "value", "type", "display", "logged_by", "source", "execution"])


def comparison_frame(comparison: Mapping[str, Any]) -> pandas.DataFrame:
    """compareExecutions as a table: one row per creation parameter and metadata value
    (index: source, name), one column per execution (its name, with a short id when names
    repeat), and `changed` where the values are not all equal."""
    pd = pandas_module()
    executions = comparison["executions"]
    names = [e["name"] for e in executions]
    labels = [n if names.count(n) == 1 else f"{n} {e['id'][:8]}" for n, e in zip(names, executions)]
    index, rows = [], []
    for source, key in (("parameter", "parameters"), ("metadata", "rows")):
        for row in comparison[key]:
            index.append((source, row["name"]))
            cells = row.get("cells") or [None] * len(labels)
            values = [decode(cell["type"], cell["value"]) if cell else value for cell, value in zip(cells, row["values"])]
            rows.append([*values, bool(row["differs"])])
    # object columns: each cell keeps its own type (an int stays 20, a StorageSize a size)
    # rather than a column of floats
    result: pandas.DataFrame = pd.DataFrame(
        rows,
        columns=[*labels, "changed"],
        index=pd.MultiIndex.from_tuples(index, names=["source", "name"]) if index else None,
        dtype=object,
    )
    result["changed"] = result["changed"].astype(bool)
    result.attrs["executions"] = [e["id"] for e in executions]
    return result
