"""Logging metadata: typed values, groups, and targets by id, URI or name + version."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pedigree import DateTime, DType, NotFoundError, Path as PPath, Pedigree, StorageSize, Uri
from support import write

CREATE_MODEL_VERSION = """mutation($project: String!, $model: String!, $ids: [ID!]!) {
  createModelVersion(project: $project, model: $model, datumIds: $ids) { id uri version }
}"""
CREATE_DATASET_VERSION = """mutation($project: String!, $dataset: String!, $version: String!, $ids: [ID!]!) {
  createDatasetVersion(project: $project, dataset: $dataset, version: $version, datumIds: $ids) { id uri }
}"""
VERSION_METADATA = "query($uri: String!, $project: String) { %s(uri: $uri, project: $project) { metadata { name type value } } }"


def recorded_file(pd: Pedigree, workdir: Path, name: str = "model.pkl") -> str:
    with pd.run("train", capture_environment=False) as run:
        (datum,) = run.outputs(write(workdir / name, f"bytes of {name}"))
    return datum.id


def test_typed_values_round_trip(pd: Pedigree, workdir: Path) -> None:
    datum = recorded_file(pd, workdir)
    when = DateTime(2024, 5, 1, 12, 30, 15, 250_000, tzinfo=dt.timezone.utc)
    logged = {
        "size": StorageSize(2**60 + 1),
        "source": Uri("s3://bucket/train.csv"),
        "dtype": DType("float32"),
        "file": PPath("subdir/sub2/file.txt"),
        "trained_at": when,
        "accuracy": 0.93,
        "epochs": 20,
        "final": True,
        "note": "fine",
        "nothing": None,
        "layers": [64, 32],
        "model_metrics": {"f1": 0.91, "weights": StorageSize(2_400_000)},
        "plain_datetime": dt.datetime(2024, 5, 2, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    }
    pd.log_metadata(logged, datum=datum)
    back = pd.datum(datum).metadata
    expected = {k: v for k, v in logged.items() if k not in ("model_metrics", "plain_datetime")}
    expected.update({"model_metrics.f1": 0.91, "model_metrics.weights": StorageSize(2_400_000), "plain_datetime": DateTime(2024, 5, 1, 22, tzinfo=dt.timezone.utc)})
    assert back == expected
    # and each comes back as its own class, exact past 2^53
    for name in ("size", "source", "dtype", "file", "trained_at", "model_metrics.weights", "plain_datetime"):
        assert type(back[name]) is type(expected[name]), name
    assert int(back["size"]) == 2**60 + 1
    history = pd.metadata_history(datum, ["size", "trained_at", "model_metrics.weights"])
    assert dict(zip(history["name"], history["type"])) == {"size": "STORAGE_SIZE", "trained_at": "DATETIME", "model_metrics.weights": "STORAGE_SIZE"}
    assert dict(zip(history["name"], history["display"]))["model_metrics.weights"] == "2.4 MB"


def test_targets_by_name_and_version(pd: Pedigree, project: str, workdir: Path) -> None:
    model_file = recorded_file(pd, workdir, "model.pkl")
    data_file = recorded_file(pd, workdir, "data.csv")
    pd.graphql(CREATE_MODEL_VERSION, {"project": project, "model": "fraud", "ids": [model_file]})
    second = pd.graphql(CREATE_MODEL_VERSION, {"project": project, "model": "fraud", "ids": [model_file]})["createModelVersion"]
    pd.graphql(CREATE_DATASET_VERSION, {"project": project, "dataset": "transactions", "version": "v2", "ids": [data_file]})

    pd.log_metadata({"auc": 0.97}, model="fraud", model_version=2)
    pd.log_metadata({"auc": 0.95}, model="model://fraud/1")
    pd.log_metadata({"rows": 5000, "schema": {"amount": DType("float64")}}, dataset="transactions", dataset_version="v2")

    def version_metadata(field: str, uri: str) -> dict[str, object]:
        node = pd.graphql(VERSION_METADATA % field, {"uri": uri, "project": project})[field]
        return {e["name"]: e["value"] for e in node["metadata"]}

    assert second["version"] == 2
    assert version_metadata("modelVersion", "model://fraud/2") == {"auc": 0.97}
    assert version_metadata("modelVersion", "model://fraud/1") == {"auc": 0.95}
    assert version_metadata("datasetVersion", "dataset://transactions/v2") == {"rows": 5000, "schema.amount": "float64"}

    # an alias URI names the datum it points to now
    pd.alias("model-prod").move(model_file)
    pd.log_metadata({"serving": True}, datum="datum://model-prod")
    assert pd.datum(model_file).metadata["serving"] is True

    with pytest.raises(NotFoundError) as missing:
        pd.log_metadata({"auc": 1.0}, model="fraud", model_version=9)
    assert missing.value.code == "NOT_FOUND" and missing.value.field == "target"
    with pytest.raises(ValueError, match="model_version"):
        pd.log_metadata({"auc": 1.0}, model="fraud")
    with pytest.raises(ValueError, match="one target"):
        pd.log_metadata({"auc": 1.0}, model="fraud", model_version=1, datum=model_file)


def test_log_metadata_inside_a_run_defaults_to_the_run_and_records_who_logged(pd: Pedigree, workdir: Path) -> None:
    datum = recorded_file(pd, workdir)
    with pd.run("evaluate", capture_environment=False) as run:
        pd.log_metadata({"auc": 0.9})
        pd.log_metadata({"checked": True}, datum=datum)
    assert pd.execution(run).metadata["auc"] == 0.9
    (entry,) = pd.metadata_history(datum, "checked").itertuples()
    assert entry.execution == run.id and entry.source == "API"
    with pytest.raises(ValueError, match="needs a target"):
        pd.log_metadata({"auc": 0.9})


def test_datums_and_executions_filter_and_page_lazily(pd: Pedigree, workdir: Path) -> None:
    with pd.run("train", capture_environment=False) as run:
        datums = run.outputs(*(write(workdir / f"m{i}.bin", str(i)) for i in range(5)))
    for i, (d, accuracy) in enumerate(zip(datums, [0.8, 0.85, 0.9, 0.95, 0.99])):
        pd.log_metadata({"accuracy": accuracy, "valohai.tags": ["candidate"] if i % 2 == 0 else ["other"]}, datum=d)

    good = pd.datums(tags_all=["candidate"], metadata={"accuracy": (">", 0.85)}, page_size=1)
    assert sorted(d.path for d in good) == ["m2.bin", "m4.bin"]
    assert good.count() == 2
    everything = pd.datums(producer=run, page_size=2)
    assert len(set(everything)) == 5 and everything.count() == 5  # datums hash by id
    assert len(everything.first(3)) == 3
    frame = pd.datums(metadata={"accuracy": ("in", [0.8, 0.9])}).to_frame()
    assert sorted(frame["path"]) == ["m0.bin", "m2.bin"] and "accuracy" in frame.columns

    assert [e.id for e in pd.executions(name="train", status="COMPLETED")] == [run.id]
    assert pd.executions(name="train", status=["FAILED"]).count() == 0
