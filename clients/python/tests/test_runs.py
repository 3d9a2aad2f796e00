"""Recording a pipeline the way training code is written: `with pd.run(...)`."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from pedigree import DateTime, Pedigree, StorageSize, current_run
from support import write, write_json

REPO = Path(__file__).resolve().parents[3]


def test_a_pipeline_with_steps_inputs_outputs_and_a_failing_step(pd: Pedigree, workdir: Path) -> None:
    write(workdir / "outputs/features/train.parquet", "features v1")
    write(workdir / "outputs/features/test.parquet", "features test v1")
    write_json(workdir / "outputs/features/train.parquet.metadata.json", {"rows": 1200, "valohai.tags": ["features"]})

    with pd.run("churn-pipeline", kind="PIPELINE", parameters={"seed": 7}) as pipeline:
        assert current_run() is pipeline
        with pd.run("preprocess") as preprocess:
            preprocess.inputs("s3://demo-bucket/raw/customers.csv", name="raw")
            features = preprocess.outputs("outputs/features", metadata={"stage": "features"})
        pd.alias("features-prod").move(features[1])

        model_file = write(workdir / "outputs/model/model.pkl", "model lr=0.03")
        with pd.run("train", parameters={"learning_rate": 0.03, "epochs": 20}) as train:
            read = train.inputs("datum://features-prod", name="features")
            (model,) = train.outputs(model_file, metadata={"size": StorageSize(model_file.stat().st_size)})
            train.log_metadata({"accuracy": 0.91, "val": {"loss": 0.3}})

        with pytest.raises(ValueError, match="bad batch"):
            with pd.run("evaluate") as evaluate:
                evaluate.inputs(model, name="model")
                raise ValueError("bad batch 17")
        assert current_run() is pipeline
    assert current_run() is None

    # the steps are part of the pipeline run, in its project, with their statuses
    run = pd.execution(pipeline)
    assert (run.kind, run.status, run.parameters) == ("PIPELINE", "COMPLETED", {"seed": 7})
    steps = {e.name: e for e in pd.executions(parent=pipeline)}
    assert {name: e.status for name, e in steps.items()} == {"preprocess": "COMPLETED", "train": "COMPLETED", "evaluate": "FAILED"}
    assert all(e.parent_id == pipeline.id for e in steps.values())

    # the failing step says why, in its own runtime group
    failed = pd.execution(evaluate)
    assert failed.metadata["runtime.error"] == "ValueError: bad batch 17"
    assert [i.id for i in failed.inputs] == [model.id]

    # outputs: subfolders kept relative to the current folder, hashed, sidecar metadata and tags applied, the sidecar not a datum
    assert [d.path for d in features] == ["outputs/features/test.parquet", "outputs/features/train.parquet"]
    train_features = features[1]
    assert train_features.sha256 == hashlib.sha256(b"features v1").hexdigest() and train_features.size == len("features v1")
    assert train_features.metadata == {"rows": 1200, "stage": "features"}
    assert pd.datum(train_features.uri).tags == ("features",)
    assert sorted(d.path for d in pd.execution(preprocess).outputs) == ["outputs/features/test.parquet", "outputs/features/train.parquet"]

    # inputs: the alias resolved now and remembered; the URI became an external datum
    assert [d.id for d in read] == [train_features.id]
    (alias_input,) = pd.execution(train).inputs
    assert (alias_input.name, alias_input.id, alias_input.alias) == ("features", train_features.id, "features-prod")
    (raw,) = pd.execution(preprocess).inputs
    assert (raw.name, raw.uri) == ("raw", "s3://demo-bucket/raw/customers.csv")

    # run.log_metadata: on the step, and on the pipeline run as step::key
    assert pd.execution(train).metadata["accuracy"] == 0.91
    assert pd.execution(train).metadata["val.loss"] == 0.3
    assert pd.execution(pipeline).metadata["train::accuracy"] == 0.91
    assert pd.execution(pipeline).metadata["val.train::loss"] == 0.3
    assert model.metadata["size"] == StorageSize(len("model lr=0.03"))


def test_runtime_metadata_is_recorded_without_asking(pd: Pedigree, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("PEDIGREE_IMAGE", "python:3.11-slim")
    with pd.run("train", attempt=2) as run:
        pass
    execution = pd.execution(run)
    runtime = {k.split(".", 1)[1]: v for k, v in execution.metadata.items() if k.startswith("runtime.")}
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
    assert runtime["git_commit"] == head and isinstance(runtime["git_dirty"], bool)
    assert runtime["python"] == ".".join(map(str, sys.version_info[:3]))
    assert runtime["image"] == "python:3.11-slim"
    assert runtime["attempt"] == 2
    assert len(runtime["packages_sha256"]) == 64 and runtime["packages"] > 0
    assert isinstance(runtime["started_at"], DateTime) and runtime["ended_at"] >= runtime["started_at"]
    assert runtime["duration"] >= 0
    assert runtime["host"] == execution.host
    # the reproducibility record itself, and the server's own system group from it
    assert (execution.commit, execution.image, execution.attempt) == (head, "python:3.11-slim", 2)
    assert execution.metadata["system.image"] == "python:3.11-slim"
    assert execution.commands and execution.commands[0].startswith("python")


def test_ctrl_c_stops_the_run_and_sys_exit_zero_completes_it(pd: Pedigree) -> None:
    with pytest.raises(KeyboardInterrupt):
        with pd.run("interrupted", capture_environment=False) as stopped:
            raise KeyboardInterrupt
    with pytest.raises(SystemExit):
        with pd.run("exits", capture_environment=False) as exited:
            sys.exit(0)
    assert pd.execution(stopped).status == "STOPPED"
    assert pd.execution(exited).status == "COMPLETED"
    assert "runtime.error" not in pd.execution(exited).metadata


def test_a_local_input_file_is_the_datum_holding_its_bytes(pd: Pedigree, workdir: Path) -> None:
    features = write(workdir / "features.csv", "a,b\n1,2\n")
    with pd.run("prepare") as prepare:
        (written,) = prepare.outputs(features)
    with pd.run("train") as train:
        train.inputs(features, name="features")
        train.inputs(write(workdir / "unknown.csv", "never recorded"), name="other")
    inputs = {i.name: i for i in pd.execution(train).inputs}
    assert inputs["features"].id == written.id
    assert inputs["other"].uri is not None and inputs["other"].uri.startswith("file://") and inputs["other"].uri.endswith("/unknown.csv")


def test_recording_the_same_outputs_again_changes_nothing(pd: Pedigree, workdir: Path) -> None:
    write(workdir / "out/a.txt", "a")
    with pd.run("step") as step:
        first = step.outputs("out", root="out", metadata={"n": 1})
        again = step.outputs("out", root="out", metadata={"n": 1})
    assert [d.path for d in first] == ["a.txt"]
    assert [d.id for d in again] == [d.id for d in first]
    assert len(pd.metadata_history(first[0], "n")) == 1


def test_a_run_can_span_cells_with_start_and_finish(pd: Pedigree) -> None:
    run = pd.run("exploration", kind="NOTEBOOK", capture_environment=False).start()
    pd.log_metadata({"rows_seen": 10}, execution=run)
    run.finish()
    execution = pd.execution(run)
    assert (execution.kind, execution.status, execution.metadata["rows_seen"]) == ("NOTEBOOK", "COMPLETED", 10)
