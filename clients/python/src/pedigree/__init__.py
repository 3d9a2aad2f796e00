"""Pedigree's Python SDK: record runs, their inputs, outputs and metadata; read lineage,
comparisons and history as DataFrames; move aliases with compare-and-set.

    from pedigree import Pedigree
    pd = Pedigree()                       # PEDIGREE_URL, PEDIGREE_TOKEN
    with pd.run("train", project="fraud", parameters={"lr": 0.01}) as run:
        run.inputs("datum://features-prod", name="features")
        run.outputs("model.pkl", metadata={"accuracy": 0.93})
"""

from .aliases import Alias
from .client import Pedigree
from .errors import (
    BadUserInputError,
    ConflictError,
    EventTimeoutError,
    ForbiddenError,
    LimitExceededError,
    NotFoundError,
    OfflineError,
    PedigreeError,
    ServiceUnavailableError,
    SpoolError,
    UnauthenticatedError,
    UnreachableError,
)
from .diff import ExecutionDiff, FieldChange, LineageDiff
from .events import ChangeEvent, Events
from .lineage import LineageEdge, LineageGraph, LineageNode
from .models import AliasMove, Datum, Execution, Input, MetadataEntry
from .pages import Pages
from .runs import RUNTIME_GROUP, Run, current_run
from .spool import SyncReport
from .sync import sync
from .values import DateTime, DType, Path, StorageSize, Uri

__all__ = [
    "Alias",
    "AliasMove",
    "BadUserInputError",
    "ChangeEvent",
    "ConflictError",
    "DType",
    "DateTime",
    "Datum",
    "EventTimeoutError",
    "Events",
    "Execution",
    "ExecutionDiff",
    "FieldChange",
    "ForbiddenError",
    "Input",
    "LimitExceededError",
    "LineageDiff",
    "LineageEdge",
    "LineageGraph",
    "LineageNode",
    "MetadataEntry",
    "NotFoundError",
    "OfflineError",
    "Pages",
    "Path",
    "Pedigree",
    "PedigreeError",
    "RUNTIME_GROUP",
    "Run",
    "ServiceUnavailableError",
    "SpoolError",
    "StorageSize",
    "SyncReport",
    "UnauthenticatedError",
    "UnreachableError",
    "Uri",
    "current_run",
    "sync",
]

__version__ = "0.1.0"
