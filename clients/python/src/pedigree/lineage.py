"""A lineage walk's answer as a small graph: networkx for analysis, DataFrames for reading."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from .frames import frame

if TYPE_CHECKING:
    import networkx
    import pandas

NODE_FIELDS = """id __typename
... on Datum { uri path size sha256 external }
... on Execution { name executionKind: kind status }
... on ModelVersion { versionUri: uri modelVersion: version versionStatus: status }
... on DatasetVersion { versionUri: uri datasetVersion: version }"""

#: Fields asked for under other names: one name with different types on different node
#: types, and an execution's kind, which is not the node's kind.
RENAMED = {"executionKind": "execution_kind", "versionUri": "uri", "modelVersion": "version", "datasetVersion": "version", "versionStatus": "status"}

#: A LineageNode of the API, as `LineageNode.from_walk` reads it.
WALKED_FIELDS = f"id kind distance frontier redacted node {{ {NODE_FIELDS} }}"

LINEAGE_QUERY = f"""query($id: ID!, $direction: LineageDirection, $depth: Int, $limit: Int) {{
  lineage(id: $id, direction: $direction, depth: $depth, limit: $limit) {{
    root {{ {NODE_FIELDS} }}
    nodes {{ {WALKED_FIELDS} }}
    edges {{ from to type inputName }}
    depthReached truncated
  }}
}}"""

DIRECTIONS = {"up": "UPSTREAM", "upstream": "UPSTREAM", "down": "DOWNSTREAM", "downstream": "DOWNSTREAM", "both": "BOTH"}

KINDS = {"Datum": "DATUM", "Execution": "EXECUTION", "ModelVersion": "MODEL_VERSION", "DatasetVersion": "DATASET_VERSION"}


def direction_of(direction: str) -> str:
    try:
        return DIRECTIONS[direction.lower()]
    except KeyError:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}") from None


@dataclass(frozen=True)
class LineageNode:
    """A node of the walk: `label` is what a person calls it (a datum's path, an execution's
    name, a version's URI); `data` the node's fields as the API gave them (empty when redacted)."""

    id: str
    kind: str
    distance: int
    label: str
    frontier: bool = False
    redacted: bool = False
    data: dict[str, Any] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash(self.id)

    @classmethod
    def from_api(cls, raw: Mapping[str, Any] | None, *, id: str, kind: str, distance: int, frontier: bool = False, redacted: bool = False) -> LineageNode:
        data = {RENAMED.get(k, k): v for k, v in (raw or {}).items() if k not in ("__typename", "id")}
        label = data.get("path") or data.get("name") or data.get("uri") or id
        return cls(id=id, kind=kind, distance=distance, label=str(label), frontier=frontier, redacted=redacted, data=data)

    @classmethod
    def root(cls, raw: Mapping[str, Any]) -> LineageNode:
        """The node a question started from (asked with NODE_FIELDS), at distance 0."""
        return cls.from_api(raw, id=raw["id"], kind=KINDS.get(raw.get("__typename", ""), "DATUM"), distance=0)

    @classmethod
    def from_walk(cls, raw: Mapping[str, Any]) -> LineageNode:
        """A node a walk reached (asked with WALKED_FIELDS)."""
        return cls.from_api(raw.get("node"), id=raw["id"], kind=raw["kind"], distance=raw["distance"], frontier=raw["frontier"], redacted=raw["redacted"])


@dataclass(frozen=True)
class LineageEdge:
    """An edge pointing the way data flowed: an input datum to the execution that read it,
    an execution to the datum it wrote, a datum to the model or dataset version holding it.
    `type` is the API's relationship (stored datum -> execution, version -> datum)."""

    source: str
    target: str
    type: str
    input_name: str | None = None


def _flow(raw: Mapping[str, Any]) -> LineageEdge:
    forward = raw["type"] == "CONSUMED_BY"
    source, target = (raw["from"], raw["to"]) if forward else (raw["to"], raw["from"])
    return LineageEdge(source=source, target=target, type=raw["type"], input_name=raw.get("inputName"))


class LineageGraph:
    """The nodes around a root (root first, at distance 0) and the edges among them."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.root = LineageNode.root(raw["root"])
        others = [LineageNode.from_walk(n) for n in raw["nodes"]]
        #: Root first, then nearest first; within a distance by kind and label, so a printout is stable.
        self.nodes: list[LineageNode] = [self.root, *sorted(others, key=lambda n: (n.distance, n.kind, n.label, n.id))]
        self.edges: list[LineageEdge] = [_flow(e) for e in raw["edges"]]
        self.depth_reached: int = raw["depthReached"]
        #: More nodes lay within the depth than the limit allowed.
        self.truncated: bool = raw["truncated"]

    def __repr__(self) -> str:
        return f"<LineageGraph root={self.root.label!r} nodes={len(self.nodes)} edges={len(self.edges)} truncated={self.truncated}>"

    def node(self, id: str) -> LineageNode:
        return next(n for n in self.nodes if n.id == id)

    def to_networkx(self) -> networkx.MultiDiGraph[str]:
        """A MultiDiGraph (an execution may read one datum under two input names) whose
        edges follow the data: `networkx.ancestors(g, id)` is the upstream of `id`. Node
        attributes: kind, distance, label, frontier, redacted and the node's fields."""
        try:
            import networkx
        except ImportError:
            raise ImportError("to_networkx needs networkx: pip install 'pedigree-client[networkx]'") from None
        graph: networkx.MultiDiGraph[str] = networkx.MultiDiGraph()
        for n in self.nodes:
            graph.add_node(n.id, **n.data, kind=n.kind, distance=n.distance, label=n.label, frontier=n.frontier, redacted=n.redacted)
        for e in self.edges:
            graph.add_edge(e.source, e.target, type=e.type, input_name=e.input_name)
        return graph

    def nodes_frame(self) -> pandas.DataFrame:
        """One row per node, nearest first: id, kind, distance, label, frontier, redacted and the node's fields."""
        rows = [{"id": n.id, "kind": n.kind, "distance": n.distance, "label": n.label, "frontier": n.frontier, "redacted": n.redacted, **n.data} for n in self.nodes]
        return frame(rows, ["id", "kind", "distance", "label", "frontier", "redacted"])

    def edges_frame(self) -> pandas.DataFrame:
        """One row per edge in the direction data flowed, with the labels of both ends."""
        labels = {n.id: n.label for n in self.nodes}
        rows = [
            {"source": e.source, "target": e.target, "type": e.type, "input_name": e.input_name, "source_label": labels.get(e.source), "target_label": labels.get(e.target)}
            for e in self.edges
        ]
        return frame(rows, ["source", "target", "type", "input_name", "source_label", "target_label"])
