"""Reading the way notebooks do: lineage as a graph and DataFrames, comparisons, history."""

from __future__ import annotations

from pathlib import Path

import networkx
import pandas
import pytest

from pedigree import BadUserInputError, Datum, ExecutionDiff, FieldChange, NotFoundError, Pedigree, Run
from support import write


def story(pd: Pedigree, workdir: Path) -> tuple[Run, Datum, list[Run], list[Datum]]:
    """raw (s3) -> preprocess -> features -> train x3 (lr 0.1, 0.03, 0.01) -> models."""
    with pd.run("preprocess", capture_environment=False) as preprocess:
        preprocess.inputs("s3://demo/raw.csv", name="raw")
        (features,) = preprocess.outputs(write(workdir / "features/train.parquet", "features"))
    trains, models = [], []
    for lr, accuracy in ((0.1, 0.84), (0.03, 0.89), (0.01, 0.89)):
        with pd.run("train", parameters={"learning_rate": lr, "epochs": 20}, capture_environment=False) as train:
            train.inputs(features, name="features")
            (model,) = train.outputs(write(workdir / "model/model.pkl", f"model {lr}"), root=workdir)
            train.log_metadata({"accuracy": accuracy, "val": {"loss": round(1 - accuracy, 2)}})
        trains.append(train)
        models.append(model)
    return preprocess, features, trains, models


def test_lineage_as_networkx_and_frames(pd: Pedigree, workdir: Path) -> None:
    preprocess, features, trains, models = story(pd, workdir)
    graph = pd.lineage(models[1], direction="up", depth=3)
    assert graph.root.id == models[1].id and graph.root.kind == "DATUM" and not graph.truncated

    nodes = graph.nodes_frame()
    assert list(nodes.columns[:6]) == ["id", "kind", "distance", "label", "frontier", "redacted"]
    by_label = {(row.kind, row.label): row.distance for row in nodes.itertuples()}
    assert by_label == {
        ("DATUM", "model/model.pkl"): 0,
        ("EXECUTION", "train"): 1,
        ("DATUM", "features/train.parquet"): 1,
        ("EXECUTION", "preprocess"): 2,
        ("DATUM", "raw.csv"): 2,
    }

    edges = graph.edges_frame()
    flows = {(row.source_label, row.target_label, row.type, None if pandas.isna(row.input_name) else row.input_name) for row in edges.itertuples()}
    assert flows == {
        ("train", "model/model.pkl", "PRODUCED_BY", None),
        ("features/train.parquet", "train", "CONSUMED_BY", "features"),
        ("preprocess", "features/train.parquet", "PRODUCED_BY", None),
        ("raw.csv", "preprocess", "CONSUMED_BY", "raw"),
    }

    g = graph.to_networkx()
    assert isinstance(g, networkx.MultiDiGraph)
    # edges follow the data, so ancestors are the upstream and the graph sorts topologically
    raw = next(n for n in graph.nodes if n.label == "raw.csv")
    assert raw.data["uri"] == "s3://demo/raw.csv" and raw.data["external"] is True
    assert networkx.ancestors(g, models[1].id) == {trains[1].id, features.id, preprocess.id, raw.id}
    order = [g.nodes[n]["label"] for n in networkx.topological_sort(g)]
    assert order == ["raw.csv", "preprocess", "features/train.parquet", "train", "model/model.pkl"]
    assert g.nodes[trains[1].id]["kind"] == "EXECUTION" and g.nodes[features.id]["sha256"] == features.sha256

    # downstream of the features by URI reaches all three models
    down = pd.lineage(features.uri, direction="down", depth=1)
    assert {n.id for n in down.nodes if n.kind == "DATUM"} == {features.id, *(m.id for m in models)}


def test_diff_of_two_models_names_what_changed(pd: Pedigree, workdir: Path) -> None:
    preprocess, features, trains, models = story(pd, workdir)
    # one by the object, one by its URI, as a notebook holds them
    diff = pd.diff(models[0], models[1].uri)
    assert (diff.a.id, diff.a.kind, diff.b.id) == (models[0].id, "DATUM", models[1].id)
    assert {n.label for n in diff.common} == {"features/train.parquet", "preprocess", "raw.csv"}
    assert [n.id for n in diff.only_in_a] == [trains[0].id] and [n.id for n in diff.only_in_b] == [trains[1].id]
    # the step both ran, with each field that differs; the features they read are the same datum
    assert diff.executions == [
        ExecutionDiff(
            name="train",
            a=trains[0].id,
            b=trains[1].id,
            changes=(
                FieldChange("parameters.learning_rate", 0.1, 0.03),
                FieldChange("metadata.accuracy", 0.84, 0.89),
                FieldChange("metadata.val.loss", 0.16, 0.11),
            ),
        )
    ]
    table = diff.changes_frame()
    assert list(table.columns) == ["step", "field", "a", "b"]
    assert table.values.tolist() == [["train", "parameters.learning_rate", 0.1, 0.03], ["train", "metadata.accuracy", 0.84, 0.89], ["train", "metadata.val.loss", 0.16, 0.11]]
    # object columns: each cell keeps its own type, not a column made floats
    assert table["a"].dtype == object

    # the two best runs differ in their learning rate only; their clocks always differ
    assert [c.field for e in pd.diff(models[1], models[2]).executions for c in e.changes] == ["parameters.learning_rate"]
    timed = pd.diff(models[1], models[2], run_times=True).executions[0].changes
    fields = [c.field for c in timed]
    # two runs start and end at different times; their durations may round to the same value
    assert fields[0] == "parameters.learning_rate"
    assert {"metadata.runtime.ended_at", "metadata.runtime.started_at"} <= set(fields[1:]) <= {"metadata.runtime.duration", "metadata.runtime.ended_at", "metadata.runtime.started_at"}
    with pytest.raises(BadUserInputError) as refused:
        pd.diff(models[0], models[0])
    assert refused.value.field == "b"


def test_compare_marks_changed_rows(pd: Pedigree, workdir: Path) -> None:
    _, _, trains, _ = story(pd, workdir)
    frame = pd.compare(trains, keys=["accuracy", "val.loss"])
    assert list(frame.columns) == [f"train {t.id[:8]}" for t in trains] + ["changed"]
    assert list(frame.index) == [("parameter", "epochs"), ("parameter", "learning_rate"), ("metadata", "accuracy"), ("metadata", "val.loss")]
    assert frame.loc[("parameter", "learning_rate")].tolist()[:3] == [0.1, 0.03, 0.01]
    assert frame["changed"].to_dict() == {
        ("parameter", "epochs"): False,
        ("parameter", "learning_rate"): True,
        ("metadata", "accuracy"): True,
        ("metadata", "val.loss"): True,
    }
    # the last two runs tie: compared alone, their metrics did not change
    tie = pd.compare(trains[1:], keys=["accuracy"])
    assert tie.loc[("metadata", "accuracy"), "changed"] == False  # noqa: E712 (a numpy bool)
    assert tie.attrs["executions"] == [t.id for t in trains[1:]]


def test_metadata_history_oldest_first(pd: Pedigree) -> None:
    with pd.run("train", capture_environment=False) as run:
        for epoch, loss in enumerate([0.9, 0.5, 0.3]):
            run.log_metadata({"loss": loss, "epoch": epoch})
    history = pd.metadata_history(run, "loss")
    assert history["value"].tolist() == [0.9, 0.5, 0.3]
    assert history["logged_at"].is_monotonic_increasing
    assert set(history["execution"]) == {run.id} and set(history["source"]) == {"API"}
    both = pd.metadata_history(run.id, ["loss", "epoch"])
    assert sorted(both["name"].unique()) == ["epoch", "loss"] and len(both) == 6


def test_a_datum_by_alias_and_its_time(pd: Pedigree, workdir: Path) -> None:
    _, _, _, models = story(pd, workdir)
    alias = pd.alias("model-prod")
    assert alias.target is None and not alias.exists
    alias.move(models[0], reason="first")
    before = pd.datum("datum://model-prod").created_at
    moved_at = alias.updated_at
    alias.move(models[1], reason="better")
    assert pd.datum("datum://model-prod").id == models[1].id
    assert moved_at is not None and before is not None
    assert pd.datum("datum://model-prod", as_of=moved_at).id == models[0].id
    with pytest.raises(NotFoundError) as missing:
        pd.datum("datum://no-such-alias")
    assert missing.value.code == "NOT_FOUND"
