"""Finding one node from an id or a URI, selecting what the caller needs of it."""

from __future__ import annotations

from typing import Any, Callable, Mapping

VERSIONED = ("ModelVersion", "DatasetVersion")
DESCRIBABLE = ("Datum", "Execution", *VERSIONED)

Request = Callable[[str, Mapping[str, Any]], dict[str, Any]]


def is_uri(ref: str) -> bool:
    return "://" in ref


def select(
    request: Request,
    ref: str,
    selection: str = "",
    *,
    project: str | None = None,
    variables: Mapping[str, tuple[str, Any]] | None = None,
) -> dict[str, Any] | None:
    """The node `ref` names (an id, datum://<id or alias>, model://name/3, dataset://name/v2 or
    an external datum's URI), with `id`, `__typename` and `selection`; None when not found.
    `variables` are the selection's own, by name: (GraphQL type, value)."""
    extra = dict(variables or {})
    declared = "".join(f", ${name}: {kind}" for name, (kind, _) in extra.items())
    values = {name: value for name, (_, value) in extra.items()}
    if not is_uri(ref):
        spread = " ".join(f"... on {t} {{ {selection} }}" for t in DESCRIBABLE) if selection else ""
        data = request(f"query($id: ID!{declared}) {{ node: node(id: $id) {{ id __typename {spread} }} }}", {"id": ref, **values})
    else:
        field = {"model": "modelVersion", "dataset": "datasetVersion"}.get(ref.split("://", 1)[0].lower(), "datum")
        data = request(
            f"query($uri: String!, $project: String{declared}) {{ node: {field}(uri: $uri, project: $project) {{ id __typename {selection} }} }}",
            {"uri": ref, "project": project, **values},
        )
    node: dict[str, Any] | None = data.get("node")
    return node
