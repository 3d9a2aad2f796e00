"""How values are sent: typed values, and what JSON cannot hold refused before sending."""

from __future__ import annotations

import datetime as dt
import math

import numpy
import pytest

from pedigree import DateTime, Path, StorageSize, Uri
from pedigree.client import metadata_predicates
from pedigree.values import encode, flatten, metadata_name


def test_typed_values_serialise_to_the_api_form() -> None:
    assert encode({"s": StorageSize(5), "big": StorageSize(2**53)}) == {
        "s": {"$type": "StorageSize", "value": 5},
        "big": {"$type": "StorageSize", "value": str(2**53)},  # past a JavaScript number's exact range
    }
    assert encode(DateTime.of("2024-05-01T14:00:00.123456+02:00")) == {"$type": "DateTime", "value": "2024-05-01T12:00:00.123Z"}
    assert encode(dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)) == {"$type": "DateTime", "value": "2024-05-01T00:00:00.000Z"}
    assert encode([Uri("s3://b/k"), Path("a/b")]) == [{"$type": "Uri", "value": "s3://b/k"}, {"$type": "Path", "value": "a/b"}]
    assert StorageSize(5) + 1 == 6 and Uri("s3://b/k").startswith("s3://")


def test_values_json_cannot_hold_are_refused_naming_the_key() -> None:
    with pytest.raises(ValueError, match="time zone"):
        encode({"at": dt.datetime(2024, 5, 1)})
    with pytest.raises(ValueError, match="metrics.loss"):
        encode({"metrics": {"loss": math.nan}})
    with pytest.raises(TypeError, match="metadata.model: cannot log a value of type object"):
        encode({"model": object()}, "metadata")
    with pytest.raises(ValueError):
        StorageSize(-1)
    with pytest.raises(ValueError):
        Uri("no-scheme")


def test_numpy_scalars_are_plain_numbers() -> None:
    assert encode({"n": numpy.int64(3), "x": numpy.float32(0.5), "ok": numpy.bool_(True)}) == {"n": 3, "x": 0.5, "ok": True}


def test_names_and_predicates_as_the_api_spells_them() -> None:
    assert metadata_name("val", "loss") == "val.loss" and metadata_name(None, "lr.decay") == "lr\\.decay"
    assert flatten({"val": {"loss": 1}, "acc": 2, "valohai.tags": ["x"]}, step="train") == {"val.train::loss": 1, "train::acc": 2}
    assert metadata_predicates({"accuracy": (">", 0.9), "stage": "prod", "size": ("<=", StorageSize(10)), "seen": ("exists", True)}) == [
        {"key": "accuracy", "gt": 0.9},
        {"key": "stage", "eq": "prod"},
        {"key": "size", "lte": 10},
        {"key": "seen", "exists": True},
    ]
    with pytest.raises(ValueError, match="operator"):
        metadata_predicates({"accuracy": ("~", 1)})
